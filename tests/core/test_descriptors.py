"""Service descriptors: an admin wires in a legacy-ERP wrapper with a TOML file; errors name file and key."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from aiohttp import web

from caruso import keys
from caruso.config import Config, ServerSettings, WebSettings
from caruso.core.component import HealthState
from caruso.core.descriptors import read_descriptor
from caruso.errors import DescriptorError
from caruso.integrations.http_json import HttpJsonService, IntegrationError
from caruso.server import build_services


def config_with(services_dir: Path, tmp_path: Path) -> Config:
    # no telephony: these tests are about descriptors, not about starting Kamailio on port 5060
    return Config(server=ServerSettings(data_dir=tmp_path / "var", services_dir=services_dir, telephony="none"),
                  web=WebSettings(enabled=False))


@pytest.fixture
async def erp_url():  # type: ignore[no-untyped-def]
    """A real HTTP server standing in for a legacy ERP."""

    async def balance(request: web.Request) -> web.Response:
        params = await request.json()
        if params.get("account") == "missing":
            return web.json_response({"error": "no such account"}, status=404)
        return web.json_response({"account": params["account"], "balance": 42.5})

    async def ping(request: web.Request) -> web.Response:
        return web.json_response({"ok": True})

    app = web.Application()
    app.router.add_post("/api/invoice_balance", balance)
    app.router.add_get("/api/ping", ping)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    yield f"http://127.0.0.1:{runner.addresses[0][1]}/api"
    await runner.cleanup()


async def test_admin_wires_in_an_http_erp_without_code(tmp_path: Path, erp_url: str) -> None:
    services_dir = tmp_path / "services"
    services_dir.mkdir()
    (services_dir / "erp.toml").write_text(
        'name = "erp"\nclass = "caruso.integrations.http_json:HttpJsonService"\ndepends_on = ["events"]\n'
        f'[settings]\nbase_url = "{erp_url}"\nhealth_path = "ping"\ntimeout = 2\n'
    )
    services = build_services(config_with(services_dir, tmp_path))
    assert "erp" in services and services.depends_on("erp") == ("events",)
    await services.start()
    try:
        erp = services.get("erp")
        assert isinstance(erp, HttpJsonService)
        assert await erp.call("invoice_balance", {"account": "A-17"}) == {"account": "A-17", "balance": 42.5}
        assert services.health()["erp"].state is HealthState.OK
        with pytest.raises(IntegrationError, match="404"):
            await erp.call("invoice_balance", {"account": "missing"})
        assert services.health()["erp"].state is HealthState.DEGRADED
        assert services.get(keys.EVENTS) is not None
    finally:
        await services.stop()


def write(tmp_path: Path, text: str) -> Path:
    folder = tmp_path / "services"
    folder.mkdir(exist_ok=True)
    path = folder / "erp.toml"
    path.write_text(text)
    return folder


@pytest.mark.parametrize(
    ("text", "key", "message"),
    [
        ('name = "erp"\nclass = "caruso.nothere:Erp"\n', "class", "cannot import module 'caruso.nothere'"),
        ('name = "erp"\nclass = "caruso.integrations.http_json:Nope"\n', "class", "has no 'Nope'"),
        ('name = "erp"\nclass = "caruso.integrations.http_json:HttpJsonService"\n'
         '[settings]\nbase_url = "http://x"\ntimeot = 3\n', "settings.timeot", "unknown setting"),
        ('name = "erp"\nclass = "caruso.integrations.http_json:HttpJsonService"\n'
         '[settings]\nbase_url = "http://x"\ntimeout = "fast"\n', "settings.timeout", "expected float"),
        ('name = "erp"\nclass = "caruso.integrations.http_json:HttpJsonService"\n[settings]\n',
         "settings.base_url", "required setting is missing"),
        ('name = "erp"\nclass = "caruso.integrations.http_json:HttpJsonService"\n'
         '[settings]\nbase_url = "ftp://x"\n', "settings", "must start with http://"),
        ('name = "erp"\nklass = "x:Y"\n', "klass", "unknown key"),
        ('name = "erp"\n', "class", "required"),
        ('name = "erp"\nclass = "caruso.web.service:WebService"\ndepends_on = "storage"\n', "depends_on",
         "list of service names"),
        ('name = "erp"\nclass = "caruso.web.service:WebService"\n[settings]\nport = 1\n', "settings.port",
         "takes no settings"),
    ],
)
def test_descriptor_errors_name_file_and_key(tmp_path: Path, text: str, key: str, message: str) -> None:
    folder = write(tmp_path, text)
    with pytest.raises(DescriptorError) as info:
        build_services(config_with(folder, tmp_path))
    text_of_error = str(info.value)
    assert text_of_error.startswith(f"{folder / 'erp.toml'}: {key}"), text_of_error
    assert message in text_of_error


def test_when_table_selects_by_configuration(tmp_path: Path) -> None:
    folder = write(tmp_path, 'name = "erp"\nclass = "caruso.web.service:WebService"\n'
                             '[when]\n"server.telephony" = "asterisk"\n')
    cfg = config_with(folder, tmp_path)
    assert "erp" not in build_services(cfg)
    cfg = replace(cfg, server=replace(cfg.server, telephony="asterisk"))
    assert "erp" in build_services(cfg)
    desc = read_descriptor(folder / "erp.toml")
    bad = replace(desc, when={"server.nothing": 1})
    with pytest.raises(DescriptorError, match="when.server.nothing"):
        bad.active(cfg)


def test_shipped_descriptors_are_valid() -> None:
    from caruso import paths
    from caruso.core.descriptors import import_class, read_descriptors

    descriptors = read_descriptors([paths.shipped("services")])
    assert {d.name for d in descriptors} >= {"web"}
    for desc in descriptors:
        import_class(desc)


def test_alternatives_of_one_name_in_a_folder(tmp_path: Path) -> None:
    """telephony-sip.toml and telephony-asterisk.toml both name "telephony": [when] picks the active one."""
    folder = tmp_path / "alt"
    folder.mkdir()
    (folder / "thing-a.toml").write_text('name = "thing"\nclass = "caruso.web.service:WebService"\n'
                                         '[when]\n"server.telephony" = "asterisk"\n')
    (folder / "thing-b.toml").write_text('name = "thing"\nclass = "caruso.web.service:WebService"\n'
                                         '[when]\n"server.telephony" = "sip"\n')
    (folder / "both.toml").write_text('name = "both"\nclass = "caruso.web.service:WebService"\n'
                                      '[when]\n"server.telephony" = ["sip", "asterisk"]\n')
    cfg = config_with(folder, tmp_path)
    for telephony, file in (("sip", "thing-b.toml"), ("asterisk", "thing-a.toml")):
        cfg = replace(cfg, server=replace(cfg.server, telephony=telephony))
        from caruso.core.descriptors import read_descriptors
        active = [d for d in read_descriptors([folder]) if d.active(cfg)]
        assert sorted(d.file.name for d in active) == sorted([file, "both.toml"])
    cfg = replace(cfg, server=replace(cfg.server, telephony="none"))
    assert "both" not in build_services(cfg)
