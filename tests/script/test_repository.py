"""The script repository service: loading, reload on change, broken versions never replace working
ones, versions kept (and archived) for runs in progress."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from caruso.core.component import HealthState
from caruso.script import ScriptNotFound
from caruso.script.inputs import Answer
from caruso.script.interpreter import Interpreter
from caruso.script.repository import ScriptRepository
from tests.script.conftest import SCRIPTS

V1 = '''<?xml version="1.0"?>
<script id="greet" title="Greeting" version="{version}" start="q" public="yes">
  <question id="q" type="text" next="bye"><text>Your name?</text></question>
  <end id="bye" outcome="{outcome}"><text>Bye {{answers.q}}</text></end>
</script>'''


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    local = tmp_path / "scripts"
    local.mkdir()
    (local / "greet.xml").write_text(V1.format(version=1, outcome="done"))
    return local


def repo_for(folder: Path, tmp_path: Path, **kw: object) -> ScriptRepository:
    return ScriptRepository(folders=[SCRIPTS, folder], archive=tmp_path / "archive", **kw)  # type: ignore[arg-type]


def test_loads_shipped_and_local_scripts(folder: Path, tmp_path: Path) -> None:
    repo = repo_for(folder, tmp_path)
    report = repo.reload()
    assert not report.problems
    assert {"billing-dispute", "move-house", "outage-report", "ivr-main", "greet"} <= set(repo.scripts())
    assert [s.id for s in repo.public()] == ["greet", "move-house", "outage-report"]
    assert repo.health().state is HealthState.OK
    with pytest.raises(ScriptNotFound):
        repo.get("nope")


def test_a_new_version_serves_new_runs_and_old_runs_finish_on_theirs(folder: Path, tmp_path: Path) -> None:
    repo = repo_for(folder, tmp_path)
    repo.reload()
    interp = Interpreter(repo)
    old_run, _ = interp.start("greet")
    (folder / "greet.xml").write_text(V1.format(version=2, outcome="greeted"))
    report = repo.reload()
    assert [r.split()[0] for r in report.loaded] == ["greet"]
    assert repo.get("greet").version == "2"
    finished, _ = interp.step(old_run, Answer("Ann"))
    assert finished.outcome == "done"  # version 1
    new_run, _ = interp.start("greet")
    assert interp.step(new_run, Answer("Bob"))[0].outcome == "greeted"
    assert len(repo.versions("greet")) == 2


def test_a_broken_version_never_replaces_a_working_one(folder: Path, tmp_path: Path) -> None:
    repo = repo_for(folder, tmp_path)
    repo.reload()
    working = repo.get("greet")
    (folder / "greet.xml").write_text(V1.format(version=3, outcome="done").replace('next="bye"', 'next="by"'))
    report = repo.reload()
    assert list(report.problems) == [str(folder / "greet.xml")]
    assert "there is no step 'by'" in str(report.problems[str(folder / "greet.xml")][0])
    assert repo.get("greet") is working
    health = repo.health()
    assert health.state is HealthState.DEGRADED and "greet.xml" in health.reason
    (folder / "greet.xml").write_text("<script")  # not even XML
    repo.reload()
    assert repo.get("greet") is working
    (folder / "greet.xml").write_text(V1.format(version=4, outcome="done"))
    repo.reload()
    assert repo.get("greet").version == "4"
    assert repo.health().state is HealthState.OK


def test_a_broken_local_override_keeps_its_last_good_version(folder: Path, tmp_path: Path) -> None:
    override = (SCRIPTS / "outage-report.xml").read_text().replace('version="1"', 'version="9"')
    (folder / "outage-report.xml").write_text(override)
    repo = repo_for(folder, tmp_path)
    repo.reload()
    assert repo.get("outage-report").version == "9"
    (folder / "outage-report.xml").write_text(override.replace('next="since"', 'next="nowhere"'))
    repo.reload()
    assert repo.get("outage-report").version == "9"


def test_old_versions_survive_a_restart_through_the_archive(folder: Path, tmp_path: Path) -> None:
    repo = repo_for(folder, tmp_path)
    repo.reload()
    v1 = repo.get("greet").version_key
    state, _ = Interpreter(repo).start("greet")
    stored = state.to_json()
    (folder / "greet.xml").write_text(V1.format(version=2, outcome="greeted"))
    restarted = repo_for(folder, tmp_path)
    restarted.reload()
    assert restarted.get("greet").version == "2"
    assert restarted.get("greet", v1).version == "1"
    from caruso.script.state import RunState
    resumed, _ = Interpreter(restarted).step(RunState.from_json(stored), Answer("Ann"))
    assert resumed.outcome == "done"


def test_a_deleted_file_stops_serving_new_runs(folder: Path, tmp_path: Path) -> None:
    repo = repo_for(folder, tmp_path)
    repo.reload()
    v1 = repo.get("greet").version_key
    (folder / "greet.xml").unlink()
    repo.reload()
    with pytest.raises(ScriptNotFound):
        repo.get("greet")
    assert repo.get("greet", v1).id == "greet"


async def test_the_service_watches_the_folder(folder: Path, tmp_path: Path) -> None:
    repo = repo_for(folder, tmp_path, watch=True, poll_seconds=0.05)
    async with repo.lifespan():
        assert repo.get("greet").version == "1"
        (folder / "greet.xml").write_text(V1.format(version=2, outcome="greeted") + "\n")
        for _ in range(1200):  # waits (up to a minute on a loaded machine), asserts nothing about time
            if repo.get("greet").version == "2":
                break
            await asyncio.sleep(0.05)
        assert repo.get("greet").version == "2"
    assert repo._task is None



async def test_built_from_its_service_descriptor(folder: Path, tmp_path: Path) -> None:
    """services/scripts.toml and services/mailer.toml build the components the server registers."""
    from caruso import paths
    from caruso.config import Config, ScriptSettings, ServerSettings
    from caruso.core.descriptors import instantiate, read_descriptor
    from caruso.core.manager import ServiceManager
    from caruso.mail import MailerService

    config = Config(server=ServerSettings(data_dir=tmp_path / "var"),
                    scripts=ScriptSettings(directory=folder, watch=False))
    services = ServiceManager()
    repo = instantiate(read_descriptor(paths.shipped("services") / "scripts.toml"), config, services)
    mailer = instantiate(read_descriptor(paths.shipped("services") / "mailer.toml"), config, services)
    assert isinstance(repo, ScriptRepository) and isinstance(mailer, MailerService)
    async with repo.lifespan():
        assert repo.get("greet").version == "1" and repo.get("ivr-main").channels == {"voice"}
        assert (tmp_path / "var" / "scripts" / "greet").is_dir()  # versions archived in the data folder
    assert mailer.settings is config.mail
