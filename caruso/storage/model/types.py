"""The business-object model as immutable data: what a model file declares, nothing about databases."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from caruso.storage.errors import UnknownAttribute, UnknownObject

AttrType = Literal["string", "text", "integer", "decimal", "boolean", "date", "datetime", "phone", "email"]
ATTR_TYPES: tuple[str, ...] = ("string", "text", "integer", "decimal", "boolean", "date", "datetime", "phone",
                               "email")


@dataclass(frozen=True, slots=True)
class Where:
    """Where a declaration sits in its file (for error messages)."""

    file: str
    line: int = 0
    column: int = 0


@dataclass(frozen=True, slots=True)
class AttributeDef:
    name: str
    column: str
    type: AttrType = "string"
    length: int | None = None
    required: bool = False
    default: object = None  # already converted to the attribute's type
    generated: bool = False  # the database assigns it (integer keys)
    personal: bool = False
    callerid: bool = False
    label: str = ""
    where: Where = field(default=Where(""), compare=False)


@dataclass(frozen=True, slots=True)
class IndexDef:
    attributes: tuple[str, ...]
    unique: bool = False
    name: str | None = None


@dataclass(frozen=True, slots=True)
class RelationDef:
    name: str
    object: str
    kind: Literal["many", "one"]
    via: str
    where: Where = field(default=Where(""), compare=False)


@dataclass(frozen=True, slots=True)
class ObjectDef:
    name: str
    table: str
    key: str
    attributes: Mapping[str, AttributeDef]
    indexes: tuple[IndexDef, ...] = ()
    relations: Mapping[str, RelationDef] = field(default_factory=dict)
    legacy: bool = False
    label: str = ""
    erasure: Literal["blank", "delete"] = "blank"  # what a privacy erasure does: blank personal attributes
    description: str = ""
    where: Where = field(default=Where(""), compare=False)

    def attribute(self, name: str) -> AttributeDef:
        try:
            return self.attributes[name]
        except KeyError:
            raise UnknownAttribute(self.name, name, self.attributes) from None

    def relation(self, name: str) -> RelationDef:
        try:
            return self.relations[name]
        except KeyError:
            raise UnknownAttribute(self.name, name, self.relations, what="relation") from None

    @property
    def key_attribute(self) -> AttributeDef:
        return self.attributes[self.key]

    @property
    def personal_attributes(self) -> tuple[str, ...]:
        return tuple(a.name for a in self.attributes.values() if a.personal)

    @property
    def callerid_attributes(self) -> tuple[str, ...]:
        return tuple(a.name for a in self.attributes.values() if a.callerid)


@dataclass(frozen=True, slots=True)
class Model:
    """Every object class of the loaded model files, by name."""

    objects: Mapping[str, ObjectDef]
    files: tuple[str, ...] = ()

    def object(self, name: str) -> ObjectDef:
        try:
            return self.objects[name]
        except KeyError:
            raise UnknownObject(name, self.objects) from None

    def __contains__(self, name: object) -> bool:
        return name in self.objects


EMPTY_MODEL = Model({})
