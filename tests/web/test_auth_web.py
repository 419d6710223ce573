"""Login, sessions, roles, CSRF, throttling and the audit log through the real app over loopback."""

from __future__ import annotations

from aiohttp.test_utils import TestClient, TestServer

from tests.web.conftest import PASSWORD, WebEnv, api_login, csrf_of, hidden_csrf


async def test_login_form_sets_httponly_strict_cookie_and_redirects_by_role(web_env: WebEnv) -> None:
    async with web_env.client() as client:
        page = await (await client.get("/login")).text()
        token = hidden_csrf(page)
        resp = await client.post("/login", data={"username": "bob", "password": PASSWORD, "csrf_token": token},
                                 allow_redirects=False)
        assert resp.status == 302 and resp.headers["Location"] == "/desktop"
        cookie = resp.headers["Set-Cookie"]
        assert "caruso_session=" in cookie and "HttpOnly" in cookie and "SameSite=Strict" in cookie
        me = await (await client.get("/api/session")).json()
        assert me["user"]["username"] == "bob" and me["user"]["role"] == "agent"


async def test_session_id_changes_on_login(web_env: WebEnv) -> None:
    async with web_env.client() as client:
        await csrf_of(client)
        before = client.cookie_jar.filter_cookies(web_env.url)["caruso_session"].value
        await api_login(client, "bob")
        after = client.cookie_jar.filter_cookies(web_env.url)["caruso_session"].value
        assert before != after


async def test_wrong_password_and_unknown_user_get_the_same_answer(web_env: WebEnv) -> None:
    async with web_env.client() as client:
        token = await csrf_of(client)
        answers = []
        for name in ("bob", "nobody"):
            resp = await client.post("/api/login", json={"username": name, "password": "wrong-password"},
                                     headers={"X-CSRF-Token": token})
            answers.append((resp.status, await resp.json()))
        assert answers[0] == answers[1]
        assert answers[0][0] == 401 and answers[0][1]["error"] == "invalid_credentials"


async def test_failed_logins_are_throttled_even_with_the_right_password(web_env: WebEnv) -> None:
    async with web_env.client() as client:
        token = await csrf_of(client)
        for _ in range(5):
            resp = await client.post("/api/login", json={"username": "carol", "password": "nope-nope"},
                                     headers={"X-CSRF-Token": token})
            assert resp.status == 401
        resp = await client.post("/api/login", json={"username": "carol", "password": PASSWORD},
                                 headers={"X-CSRF-Token": token})
        body = await resp.json()
        assert resp.status == 429 and body["error"] == "login_throttled" and body["details"]["retry_after"] > 0


async def test_post_without_csrf_is_refused_even_when_logged_in(web_env: WebEnv) -> None:
    async with web_env.client() as client:
        resp = await client.post("/api/login", json={"username": "bob", "password": PASSWORD})
        assert resp.status == 403 and (await resp.json())["error"] == "csrf_failed"
        token = await api_login(client, "alice")
        resp = await client.post("/api/users", json={"username": "x1", "password": PASSWORD, "role": "agent"})
        assert resp.status == 403 and (await resp.json())["error"] == "csrf_failed"
        resp = await client.post("/api/users", json={"username": "x1", "password": PASSWORD, "role": "agent"},
                                 headers={"X-CSRF-Token": token + "x"})
        assert resp.status == 403
        resp = await client.post("/logout", data={"csrf_token": "forged"}, allow_redirects=False)
        assert resp.status == 403


async def test_cross_site_origin_is_refused(web_env: WebEnv) -> None:
    async with web_env.client() as client:
        token = await api_login(client, "alice")
        resp = await client.post("/api/users", json={"username": "x2", "password": PASSWORD, "role": "agent"},
                                 headers={"X-CSRF-Token": token, "Origin": "https://evil.example"})
        assert resp.status == 403 and (await resp.json())["error"] == "bad_origin"


async def test_roles_are_enforced_on_api_and_pages(web_env: WebEnv) -> None:
    async with web_env.client() as anon:
        resp = await anon.get("/api/users")
        assert resp.status == 401 and (await resp.json())["error"] == "unauthorized"
        resp = await anon.get("/monitor?x=1", allow_redirects=False)
        assert resp.status == 302 and resp.headers["Location"] == "/login?next=/monitor?x%3D1"
    async with web_env.client() as agent:
        await api_login(agent, "bob")
        resp = await agent.get("/api/users")
        assert resp.status == 403 and (await resp.json())["error"] == "forbidden"
        assert (await agent.get("/api/audit")).status == 403
        assert (await agent.get("/monitor")).status == 403
        assert (await agent.get("/api/monitor/snapshot")).status == 403
    async with web_env.client() as supervisor:
        await api_login(supervisor, "sam")
        assert (await supervisor.get("/api/users")).status == 403
    async with web_env.client() as admin:
        await api_login(admin, "alice")
        users = (await (await admin.get("/api/users")).json())["users"]
        assert {u["username"] for u in users} == {"alice", "sam", "bob", "carol"}
        assert all("password" not in str(u) for u in users)


async def test_admin_changes_are_audited_and_revoke_sessions(web_env: WebEnv) -> None:
    async with web_env.client() as admin, web_env.client() as agent:
        token = await api_login(admin, "alice")
        await api_login(agent, "carol")
        assert (await agent.get("/api/session")).status == 200
        resp = await admin.post("/api/users", json={"username": "dave", "password": PASSWORD, "role": "agent"},
                                headers={"X-CSRF-Token": token})
        assert resp.status == 201
        dup = await admin.post("/api/users", json={"username": "dave", "password": PASSWORD, "role": "agent"},
                               headers={"X-CSRF-Token": token})
        assert dup.status == 409 and (await dup.json())["error"] == "user_exists"
        carol = next(u for u in (await (await admin.get("/api/users")).json())["users"] if u["username"] == "carol")
        resp = await admin.patch(f"/api/users/{carol['id']}", json={"active": False},
                                 headers={"X-CSRF-Token": token})
        assert resp.status == 200 and (await resp.json())["user"]["active"] is False
        me = await (await agent.get("/api/session")).json()
        assert me["user"] is None                       # carol's session ended with the change
        entries = (await (await admin.get("/api/audit")).json())["entries"]
        actions = [(e["actor"], e["action"], e["target_id"]) for e in entries]
        assert ("alice", "user.update", "carol") in actions
        assert ("alice", "user.create", "dave") in actions
        update = next(e for e in entries if e["action"] == "user.update")
        assert update["details"] == {"active": False} and update["remote_addr"]


async def test_logout_revokes_the_session_cookie(web_env: WebEnv) -> None:
    async with web_env.client() as client:
        token = await api_login(client, "bob")
        cookie = client.cookie_jar.filter_cookies(web_env.url)["caruso_session"].value
        resp = await client.post("/logout", data={"csrf_token": token}, allow_redirects=False)
        assert resp.status == 302
    async with web_env.client() as replay:
        replay.cookie_jar.update_cookies({"caruso_session": cookie}, web_env.url)
        assert (await (await replay.get("/api/session")).json())["user"] is None


async def test_routes_without_an_access_rule_are_refused(web_env: WebEnv) -> None:
    from aiohttp import web

    from caruso.web.app import create_app

    app = create_app(web_env.services)

    async def leaky(request: web.Request) -> web.Response:
        return web.Response(text="secret")

    app.router.add_get("/leaky", leaky)
    async with TestClient(TestServer(app)) as client:
        resp = await client.get("/leaky")
        assert resp.status == 403 and "secret" not in await resp.text()


async def test_consent_changes_are_in_the_audit_log(web_env: WebEnv) -> None:
    storage = web_env.services.get("storage")
    await storage.set_consent("+33472000009", "phone", "marketing", "opt_out", source="phone call")
    await web_env.bus.drain()
    async with web_env.client() as admin:
        await api_login(admin, "alice")
        entries = (await (await admin.get("/api/audit?kind=address")).json())["entries"]
    assert [(e["action"], e["target_id"], e["details"]["status"]) for e in entries] == [
        ("consent.change", "+33472000009", "opt_out")]
