"""Each broken script (one file per fault) gives the error it states in its ``expect:`` comment,
as FILE:LINE:COL: message, through ``caruso script validate``."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from caruso.script import ScriptLoadError, load_script

BROKEN = sorted((Path(__file__).parent / "broken").glob("*.xml"))


def expectation(path: Path) -> str:
    m = re.search(r"expect: (.*?) -->", path.read_text())
    assert m, f"{path} states no expected error"
    return m.group(1)


def test_the_suite_covers_every_fault_kind() -> None:
    names = {p.stem for p in BROKEN}
    assert {"bad-xml", "dtd-violation", "unknown-target", "unreachable", "bad-expression", "xxe",
            "missing-subscript"} <= names


@pytest.mark.parametrize("path", BROKEN, ids=lambda p: p.stem)
def test_validate_reports_the_error_with_file_line_column(path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    code, _, output = cli("script", "validate", str(path))
    assert code == 1
    wanted = f"{path}:{expectation(path)}"
    assert any(line.startswith(wanted) for line in output.splitlines()), output


def test_entities_are_never_expanded(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    script = tmp_path / "x.xml"
    script.write_text(f'''<?xml version="1.0"?>
<!DOCTYPE script [<!ENTITY x SYSTEM "file://{secret}">]>
<script id="x" title="x" start="a"><info id="a" next="b"><text>&x;</text></info><end id="b" outcome="o"/></script>''')
    with pytest.raises(ScriptLoadError) as err:
        load_script(script)
    assert "TOP-SECRET" not in str(err.value)
    assert "entity" in str(err.value)


def test_a_doctype_naming_another_dtd_is_ignored(tmp_path: Path) -> None:
    """Our DTD applies whatever the file declares: a permissive DTD of its own does not help."""
    loose = tmp_path / "loose.dtd"
    loose.write_text("<!ELEMENT script ANY>")
    script = tmp_path / "y.xml"
    script.write_text(f'''<?xml version="1.0"?>
<!DOCTYPE script SYSTEM "{loose}">
<script id="y" title="y" start="a"><anything/><info id="a" next="b"><text>t</text></info><end id="b" outcome="o"/></script>''')
    with pytest.raises(ScriptLoadError) as err:
        load_script(script)
    assert "No declaration for element anything" in str(err.value)


def test_all_errors_of_a_file_are_reported_at_once(tmp_path: Path) -> None:
    script = tmp_path / "many.xml"
    script.write_text('''<?xml version="1.0"?>
<script id="many" title="m" start="a">
  <info id="a" next="zz"><text>{1 +}</text></info>
  <info id="lost" next="b"><text>t</text></info>
  <end id="b" outcome="o"/>
</script>''')
    with pytest.raises(ScriptLoadError) as err:
        load_script(script)
    messages = [p.message for p in err.value.problems]
    assert any("there is no step 'zz'" in msg for msg in messages)
    assert any("bad text" in msg for msg in messages)
    assert any("'lost' is unreachable" in msg for msg in messages)
