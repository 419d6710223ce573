"""Model files: our DTD whatever the DOCTYPE, semantic checks, and FILE:LINE:COL errors (pure, no database)."""

from __future__ import annotations

from pathlib import Path

import pytest

from caruso import paths
from caruso.storage.errors import ModelError
from caruso.storage.model import load_model, parse_model_text

GOOD = """<model name="m">
  <object name="Customer" table="customers" key="id">
    <attribute name="id" type="integer" generated="yes"/>
    <attribute name="name" type="string" required="yes" personal="yes"/>
    <attribute name="phone" type="phone" callerid="yes" personal="yes"/>
    <relation name="orders" object="Order" kind="many" via="customerId"/>
  </object>
  <object name="Order" table="orders" key="id">
    <attribute name="id" type="integer" generated="yes"/>
    <attribute name="customerId" column="customer_id" type="integer"/>
    <relation name="customer" object="Customer" kind="one" via="customerId"/>
  </object>
</model>
"""


def _error(text: str, tmp_path: Path) -> ModelError:
    path = tmp_path / "bad.xml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ModelError) as info:
        load_model([path])
    return info.value


def test_a_good_model_declares_objects_attributes_relations_and_personal_marks(tmp_path: Path) -> None:
    path = tmp_path / "m.xml"
    path.write_text(GOOD, encoding="utf-8")
    model = load_model([path])
    customer = model.object("Customer")
    assert customer.personal_attributes == ("name", "phone")
    assert customer.callerid_attributes == ("phone",)
    assert model.object("Order").attribute("customerId").column == "customer_id"
    assert customer.relation("orders").kind == "many"


def test_the_shipped_demo_model_is_valid() -> None:
    model = load_model(sorted((paths.shipped("storage") / "models").glob("*.xml")))
    assert {"Customer", "Contract", "Meter", "MeterReading", "Ticket"} <= set(model.objects)


@pytest.mark.parametrize(("text", "where", "words"), [
    ('<model name="m">\n  <object name="A" table="a" key="id">\n    <attribute name="id" type="int"/>\n'
     '  </object>\n</model>\n', (3, 5), "not among the enumerated set"),
    ('<model name="m">\n  <object name="A" table="a" key="nope">\n    <attribute name="id"/>\n'
     '  </object>\n</model>\n', (2, 3), "key 'nope' is not one of its attributes"),
    ('<model name="m">\n  <object name="A" table="a" key="id">\n    <attribute name="id" type="integer"/>\n'
     '    <attribute name="n" type="integer" default="ten"/>\n  </object>\n</model>\n', (4, 5),
     "'ten' is not a valid integer"),
    ('<model name="m">\n  <object name="A" table="a" key="id">\n    <attribute name="id"/>\n'
     '    <relation name="r" object="Nowhere" kind="many" via="x"/>\n  </object>\n</model>\n', (4, 5),
     "no object 'Nowhere'"),
    ('<model name="m">\n  <object name="A" table="a" key="id">\n    <attribute name="id"/>\n'
     '    <attribute name="id"/>\n  </object>\n</model>\n', (4, 5), "declared twice"),
    ('<model name="m">\n  <object name="A" table="a" key="id">\n    <attribute name="id">\n'
     '  </object>\n</model>\n', (4, 12), "tag mismatch"),
    ('<model name="m">\n  <object name="A" table="a" key="id">\n    <attribute name="id" type="string"'
     ' callerid="yes"/>\n  </object>\n</model>\n', (3, 5), 'callerid="yes" needs type="phone"'),
])
def test_bad_model_files_report_file_line_and_column(tmp_path: Path, text: str, where: tuple[int, int],
                                                     words: str) -> None:
    error = _error(text, tmp_path)
    assert (error.line, error.column) == where
    assert str(error).startswith(f"{tmp_path / 'bad.xml'}:{where[0]}:{where[1]}: ")
    assert words in str(error)


def test_our_dtd_applies_whatever_doctype_the_file_brings(tmp_path: Path) -> None:
    # a DOCTYPE declaring its own (permissive) DTD and an external entity: neither is used
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET", encoding="utf-8")
    text = (f'<!DOCTYPE model [<!ELEMENT model ANY><!ELEMENT anything ANY>'
            f'<!ENTITY leak SYSTEM "file://{secret}">]>\n'
            '<model name="m"><anything>&leak;</anything></model>\n')
    error = _error(text, tmp_path)
    assert "does not match business-objects.dtd" in str(error)
    assert "TOP SECRET" not in str(error)


def test_external_entities_are_never_loaded(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET", encoding="utf-8")
    text = (f'<!DOCTYPE model [<!ENTITY leak SYSTEM "file://{secret}">]>\n<model name="m">\n'
            '  <object name="A" table="a" key="id">\n    <description>&leak;</description>\n'
            '    <attribute name="id"/>\n  </object>\n</model>\n')
    try:
        (obj,) = parse_model_text(text, "inline.xml")
    except ModelError as exc:
        assert "TOP SECRET" not in str(exc)
    else:
        assert "TOP SECRET" not in obj.description


def test_an_object_declared_in_two_files_names_both(tmp_path: Path) -> None:
    one, two = tmp_path / "one.xml", tmp_path / "two.xml"
    one.write_text(GOOD, encoding="utf-8")
    two.write_text('<model name="x">\n  <object name="Order" table="orders2" key="id">\n'
                   '    <attribute name="id"/>\n  </object>\n</model>\n', encoding="utf-8")
    with pytest.raises(ModelError) as info:
        load_model([one, two])
    assert str(info.value).startswith(f"{two}:2:3: ")
    assert f"{one}:8" in str(info.value)
