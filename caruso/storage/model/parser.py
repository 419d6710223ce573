"""Read business-object model files: lxml parse (no entities, no network) -> our DTD -> semantic checks.

Every error is a ModelError ``FILE:LINE:COL: message``.  The DTD is always ours (dtd/business-objects.dtd),
whatever DOCTYPE a file carries.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache
from pathlib import Path

from lxml import etree

from caruso import paths
from caruso.storage.errors import InvalidValue, ModelError
from caruso.storage.model.convert import convert_value
from caruso.storage.model.types import AttributeDef, IndexDef, Model, ObjectDef, RelationDef, Where

DTD_FILE = "business-objects.dtd"


@cache
def _dtd() -> etree.DTD:
    return etree.DTD(str(paths.dtd(DTD_FILE)))


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
                           remove_comments=True, huge_tree=False)


def _column_of(lines: list[str], line: int, tag: str) -> int:
    """lxml gives elements a line but no column: find the tag's ``<`` on that line (1-based)."""
    if 0 < line <= len(lines):
        col = lines[line - 1].find(f"<{tag}")
        if col >= 0:
            return col + 1
    return 1


class _Reader:
    def __init__(self, file: str, text: str) -> None:
        self.file = file
        self.lines = text.splitlines()

    def where(self, el: etree._Element) -> Where:
        return Where(self.file, el.sourceline or 0, _column_of(self.lines, el.sourceline or 0, el.tag))

    def error(self, el: etree._Element, message: str) -> ModelError:
        w = self.where(el)
        return ModelError(message, file=w.file, line=w.line, column=w.column)

    def attribute(self, obj_name: str, el: etree._Element, country: str) -> AttributeDef:
        name = el.get("name")
        length_text = el.get("length")
        length = None
        if length_text is not None:
            if not length_text.isdigit() or int(length_text) == 0:
                raise self.error(el, f"attribute {name!r}: length must be a positive integer, not {length_text!r}")
            length = int(length_text)
        attr = AttributeDef(
            name=name, column=el.get("column") or name, type=el.get("type", "string"), length=length,
            required=el.get("required") == "yes", generated=el.get("generated") == "yes",
            personal=el.get("personal") == "yes", callerid=el.get("callerid") == "yes",
            label=el.get("label") or "", where=self.where(el))
        if attr.generated and attr.type != "integer":
            raise self.error(el, f"attribute {name!r}: generated=\"yes\" needs type=\"integer\"")
        if attr.callerid and attr.type != "phone":
            raise self.error(el, f"attribute {name!r}: callerid=\"yes\" needs type=\"phone\"")
        if el.get("default") is not None:
            try:
                default = convert_value(obj_name, attr, el.get("default"), country=country)
            except InvalidValue as exc:
                raise self.error(el, f"default: {exc}") from None
            attr = AttributeDef(**{**_fields(attr), "default": default})
        return attr

    def object(self, el: etree._Element, country: str) -> ObjectDef:
        name = el.get("name")
        attributes: dict[str, AttributeDef] = {}
        columns: set[str] = set()
        for a in el.iter("attribute"):
            attr = self.attribute(name, a, country)
            if attr.name in attributes:
                raise self.error(a, f"{name}: attribute {attr.name!r} is declared twice")
            if attr.column in columns:
                raise self.error(a, f"{name}: column {attr.column!r} is mapped twice")
            attributes[attr.name] = attr
            columns.add(attr.column)
        key = el.get("key")
        if key not in attributes:
            raise self.error(el, f"object {name!r}: key {key!r} is not one of its attributes "
                                 f"({', '.join(attributes)})")
        for attr in attributes.values():
            if attr.generated and attr.name != key:
                raise self.error(el, f"object {name!r}: only the key may be generated, not {attr.name!r}")
        indexes = []
        for i in el.iter("index"):
            names = tuple(i.get("attributes").split())
            for n in names:
                if n not in attributes:
                    raise self.error(i, f"{name}: index on unknown attribute {n!r}")
            if not names:
                raise self.error(i, f"{name}: index names no attribute")
            indexes.append(IndexDef(names, i.get("unique") == "yes", i.get("name")))
        relations: dict[str, RelationDef] = {}
        for r in el.iter("relation"):
            rel = RelationDef(r.get("name"), r.get("object"), r.get("kind"), r.get("via"), self.where(r))
            if rel.name in relations or rel.name in attributes:
                raise self.error(r, f"{name}: relation {rel.name!r} clashes with another attribute or relation")
            if rel.kind == "one" and rel.via not in attributes:
                raise self.error(r, f"{name}.{rel.name}: via {rel.via!r} is not an attribute of {name}")
            relations[rel.name] = rel
        desc = el.find("description")
        return ObjectDef(name=name, table=el.get("table"), key=key, attributes=attributes, indexes=tuple(indexes),
                         relations=relations, legacy=el.get("legacy") == "yes", label=el.get("label") or "",
                         erasure=el.get("erasure") or "blank",
                         description=(desc.text or "").strip() if desc is not None else "", where=self.where(el))


def _fields(attr: AttributeDef) -> dict[str, object]:
    return {name: getattr(attr, name) for name in AttributeDef.__slots__}


def parse_model_text(text: str, file: str = "<string>", *, country: str = "FR") -> list[ObjectDef]:
    """The objects declared in one model document."""
    try:
        root = etree.fromstring(text.encode("utf-8"), _parser())
    except etree.XMLSyntaxError as exc:
        line, col = exc.position  # the error that stopped the parser (exc.error_log may hold older ones)
        message = re.sub(r", line \d+, column \d+$", "", exc.msg or str(exc))
        raise ModelError(f"not well-formed XML: {message}", file=file, line=line, column=max(col, 1)) from None
    dtd = _dtd()
    if not dtd.validate(root):
        entry = dtd.error_log.filter_from_errors()[0]
        line = entry.line
        el = next((e for e in root.iter() if e.sourceline == line), root)
        col = entry.column or _column_of(text.splitlines(), line, el.tag if isinstance(el.tag, str) else "")
        raise ModelError(f"does not match {DTD_FILE}: {entry.message}", file=file, line=line, column=col)
    reader = _Reader(file, text)
    return [reader.object(el, country) for el in root.iter("object")]


def load_model(files: Iterable[Path], *, country: str = "FR") -> Model:
    """Read every model file and check the whole: unique names and tables, relation targets."""
    objects: dict[str, ObjectDef] = {}
    names: list[str] = []
    for path in files:
        text = Path(path).read_text(encoding="utf-8")
        names.append(str(path))
        for obj in parse_model_text(text, str(path), country=country):
            if obj.name in objects:
                first = objects[obj.name].where
                raise ModelError(f"object {obj.name!r} is already declared at {first.file}:{first.line}",
                                 file=obj.where.file, line=obj.where.line, column=obj.where.column)
            objects[obj.name] = obj
    tables: dict[str, str] = {}
    for obj in objects.values():
        if obj.table in tables:
            raise ModelError(f"table {obj.table!r} is already mapped by {tables[obj.table]}",
                             file=obj.where.file, line=obj.where.line, column=obj.where.column)
        tables[obj.table] = obj.name
        for rel in obj.relations.values():
            w = rel.where
            target = objects.get(rel.object)
            if target is None:
                raise ModelError(f"{obj.name}.{rel.name}: no object {rel.object!r} in the model",
                                 file=w.file, line=w.line, column=w.column)
            if rel.kind == "many" and rel.via not in target.attributes:
                raise ModelError(f"{obj.name}.{rel.name}: via {rel.via!r} is not an attribute of {rel.object}",
                                 file=w.file, line=w.line, column=w.column)
    return Model(objects, tuple(names))


def model_files(folders: Iterable[Path]) -> list[Path]:
    return [p for folder in folders if Path(folder).is_dir() for p in sorted(Path(folder).glob("*.xml"))]
