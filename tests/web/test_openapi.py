"""The OpenAPI document lists every API route with its role, and the roles it states are the enforced ones."""

from __future__ import annotations

from tests.web.conftest import WebEnv, api_login

ROLE_OF_USER = {"bob": "agent", "sam": "supervisor", "alice": "admin"}
RANK = {"public": 0, "agent": 1, "supervisor": 2, "admin": 3}


async def test_every_api_route_is_documented_with_a_role(web_env: WebEnv) -> None:
    async with web_env.client() as client:
        spec = await (await client.get("/api/openapi.json")).json()
    assert spec["openapi"].startswith("3.")
    ops = [(path, method, op) for path, item in spec["paths"].items() for method, op in item.items()]
    assert len(ops) >= 25
    documented = {(m.upper(), p) for p, m, _ in ops}
    for route in web_env.server.app.router.routes():
        path = route.resource.canonical if route.resource else ""
        if path.startswith("/api/") and route.method != "HEAD":
            assert (route.method, path) in documented, (route.method, path)
    for path, method, op in ops:
        assert op["summary"] and op["x-caruso-role"] in RANK, (path, method)
        assert op["responses"]["default"]["content"]["application/json"]["schema"]["$ref"] == "#/components/schemas/Error"
    assert spec["paths"]["/api/desktop/state"]["post"]["requestBody"]["content"]["application/json"]["schema"][
        "properties"]["state"]["enum"] == ["ready", "paused", "logged_out"]


async def test_documented_roles_are_enforced_on_plain_get_routes(web_env: WebEnv) -> None:
    async with web_env.client() as client:
        spec = await (await client.get("/api/openapi.json")).json()
    gets = [(p, op["x-caruso-role"]) for p, item in spec["paths"].items() for m, op in item.items()
            if m == "get" and "{" not in p and not p.endswith("/ws") and op["x-caruso-role"] != "public"]
    for user, role in ROLE_OF_USER.items():
        async with web_env.client() as client:
            await api_login(client, user)
            for path, needed in gets:
                resp = await client.get(path)
                refused = resp.status == 403 and (await resp.json())["error"] == "forbidden"
                assert refused == (RANK[role] < RANK[needed]), (user, path, resp.status)
