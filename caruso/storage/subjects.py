"""Who a consent question is about: expand a customer, a customer ref or a number/address into scopes."""

from __future__ import annotations

from dataclasses import dataclass

from caruso.storage.errors import ConsentError, ObjectNotFound
from caruso.storage.model.convert import convert_value
from caruso.storage.model.types import AttributeDef
from caruso.storage.objects import BusinessObject, BusinessObjects
from caruso.storage.phone import normalise_number

Subject = BusinessObject | tuple[str, str] | str
_EMAIL_ATTR = AttributeDef(name="address", column="address", type="email")


@dataclass(frozen=True, slots=True)
class Scopes:
    customers: list[tuple[str, str]]
    addresses: list[str]


def normalise_address(address: str, channel: str, country: str) -> str:
    """A number in E.164, an e-mail address with its domain in lower case."""
    try:
        if channel == "email" or "@" in address:
            return str(convert_value("consent", _EMAIL_ATTR, address)).lower()
        return normalise_number(address, country)
    except ValueError as exc:
        raise ConsentError(f"{address!r} is neither a phone number nor an e-mail address") from exc


def _addresses_of(obj: BusinessObject, objects: BusinessObjects, channel: str) -> list[str]:
    wanted = ("email",) if channel == "email" else ("phone",)
    definition = objects.model.object(obj.name)
    found = [str(obj.values[a.name]) for a in definition.attributes.values()
             if a.type in wanted and obj.values.get(a.name)]
    return [a.lower() if channel == "email" else a for a in found]


async def expand(subject: Subject, channel: str, objects: BusinessObjects) -> Scopes:
    if isinstance(subject, BusinessObject):
        return Scopes([subject.ref], _addresses_of(subject, objects, channel))
    if isinstance(subject, tuple):
        ref = (subject[0], str(subject[1]))
        try:
            obj = await objects.get(*subject) if subject[0] in objects.model else None
        except ObjectNotFound:
            obj = None
        return Scopes([ref], _addresses_of(obj, objects, channel) if obj else [])
    address = normalise_address(subject, channel, objects.country)
    if "@" in address:
        owners = [o for name, d in objects.model.objects.items()
                  for a in d.attributes.values() if a.type == "email"
                  for o in await objects.find(name, {a.name: address})]
    else:
        owners = await objects.identify_caller(address)
    return Scopes([o.ref for o in owners], [address])
