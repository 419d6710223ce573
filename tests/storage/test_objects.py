"""The business-object API on the shipped utility model: CRUD, relations, conversion, errors, caller id."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from caruso.storage.errors import DuplicateObject, InvalidValue, ObjectNotFound, UnknownAttribute, UnknownObject
from caruso.storage.service import StorageManager


async def _customer(storage: StorageManager, number: str = "C-1", **values: object):
    return await storage.objects.create("Customer", {"number": number, "lastName": "Durand", **values})


async def test_create_get_update_delete(storage: StorageManager) -> None:
    objects = storage.objects
    created = await _customer(storage, firstName="Ana", since="2020-05-17")
    assert isinstance(created.key, int)
    assert created["language"] == "fr" and created["vip"] is False  # declared defaults
    fetched = await objects.get("Customer", created.key)
    assert fetched == created
    updated = await objects.update("Customer", str(created.key), {"vip": "yes", "city": "Lyon"})
    assert updated["vip"] is True and updated["city"] == "Lyon" and updated["firstName"] == "Ana"
    await objects.delete("Customer", created.key)
    with pytest.raises(ObjectNotFound):
        await objects.get("Customer", created.key)
    with pytest.raises(ObjectNotFound):
        await objects.delete("Customer", created.key)
    with pytest.raises(ObjectNotFound):
        await objects.update("Customer", created.key, {"city": "Paris"})


async def test_values_are_converted_to_declared_types_both_ways(storage: StorageManager) -> None:
    customer = await _customer(storage, since="2019-03-04", phone="04.72.11.22.33", email="Ana@Example.ORG")
    assert customer["since"] == date(2019, 3, 4)
    assert customer["phone"] == "+33472112233"
    assert customer["email"] == "ana@example.org"
    contract = await storage.objects.create("Contract", {
        "number": "K-1", "customerId": str(customer.key), "product": "Base", "startDate": date(2021, 1, 1),
        "monthlyAmount": "42,50"})
    assert contract["customerId"] == customer.key
    assert contract["monthlyAmount"] == Decimal("42.50")
    meter = await storage.objects.create("Meter", {"serial": "S1", "contractId": contract.key})
    reading = await storage.objects.create("MeterReading", {
        "meterId": meter.key, "readAt": "2025-06-01T12:00:00+02:00", "value": 1234.5})
    again = await storage.objects.get("MeterReading", reading.key)
    assert again["readAt"] == datetime(2025, 6, 1, 10, 0, tzinfo=UTC)
    assert again["value"] == Decimal("1234.5")


@pytest.mark.parametrize(("attr", "value", "expected"), [
    ("since", "yesterday", "date"), ("vip", "maybe", "boolean"), ("phone", "call me", "phone number"),
    ("email", "nobody", "e-mail address"), ("postcode", "12345678901", "at most 10 characters"),
])
async def test_bad_values_name_object_attribute_and_type(storage: StorageManager, attr: str, value: str,
                                                         expected: str) -> None:
    with pytest.raises(InvalidValue) as info:
        await _customer(storage, **{attr: value})
    assert f"Customer.{attr}" in str(info.value) and expected in str(info.value)


async def test_required_attributes_must_be_given(storage: StorageManager) -> None:
    with pytest.raises(InvalidValue, match="lastName is required"):
        await storage.objects.create("Customer", {"number": "C-9"})


async def test_unknown_object_and_attribute_are_clear_errors(storage: StorageManager) -> None:
    with pytest.raises(UnknownObject, match="no business object 'Client'; the model has: Contract, Customer"):
        await storage.objects.find("Client")
    with pytest.raises(UnknownAttribute, match="Customer has no attribute 'surname'"):
        await storage.objects.find("Customer", {"surname": "x"})
    with pytest.raises(UnknownAttribute, match="no relation 'orders'"):
        await storage.objects.related(await _customer(storage), "orders")


async def test_find_filters_orders_and_pages(storage: StorageManager) -> None:
    for i, (name, city) in enumerate([("Blanc", "Lyon"), ("Adam", "Lyon"), ("Cano", "Paris"), ("Dupuis", None)]):
        await storage.objects.create("Customer", {"number": f"C-{i}", "lastName": name, "city": city})
    lyon = await storage.objects.find("Customer", {"city": "Lyon"}, order_by=["lastName"])
    assert [c["lastName"] for c in lyon] == ["Adam", "Blanc"]
    assert [c["lastName"] for c in await storage.objects.find("Customer", {"city": None})] == ["Dupuis"]
    either = await storage.objects.find("Customer", {"city": ["Paris", "Lyon"]}, order_by=["-lastName"], limit=2)
    assert [c["lastName"] for c in either] == ["Cano", "Blanc"]
    assert await storage.objects.count("Customer", {"city": "Lyon"}) == 2
    page2 = await storage.objects.find("Customer", order_by=["lastName"], limit=2, offset=2)
    assert [c["lastName"] for c in page2] == ["Cano", "Dupuis"]


async def test_values_are_bound_parameters_never_sql(storage: StorageManager) -> None:
    nasty = "x'); DROP TABLE customers; --"
    await _customer(storage, lastName=nasty)
    assert [c["lastName"] for c in await storage.objects.find("Customer", {"lastName": nasty})] == [nasty]
    assert await storage.objects.find("Customer", {"lastName": "' OR '1'='1"}) == []
    assert await storage.objects.count("Customer") == 1


async def test_relations_one_and_many(storage: StorageManager) -> None:
    customer = await _customer(storage)
    contracts = [await storage.objects.create("Contract", {"number": f"K-{i}", "customerId": customer.key,
                                                           "product": "Gaz", "startDate": "2022-01-01"})
                 for i in range(2)]
    meter = await storage.objects.create("Meter", {"serial": "M-1", "contractId": contracts[1].key})
    for value in (10, 20):
        await storage.objects.create("MeterReading", {"meterId": meter.key, "readAt": f"2025-01-{value}T08:00:00",
                                                      "value": value})
    assert [c.key for c in await storage.objects.related(customer, "contracts")] == [c.key for c in contracts]
    assert await storage.objects.related(contracts[1], "customer") == customer
    readings = await storage.objects.related(meter, "readings")
    assert [r["value"] for r in readings] == [Decimal(10), Decimal(20)]
    contract = await storage.objects.related(meter, "contract")
    assert contract is not None and contract.key == contracts[1].key
    assert await storage.objects.related(customer, "tickets") == []


async def test_a_duplicate_unique_value_is_a_clear_error(storage: StorageManager) -> None:
    await _customer(storage, number="C-1")
    with pytest.raises(DuplicateObject, match="cannot create Customer"):
        await _customer(storage, number="C-1")


async def test_explicit_keys_do_not_break_later_generated_ones(storage: StorageManager) -> None:
    await storage.objects.create("Customer", {"id": 41, "number": "C-41", "lastName": "A"})
    later = await _customer(storage, number="C-42")
    assert later.key > 41


async def test_caller_identification_matches_any_form_of_the_number(storage: StorageManager) -> None:
    home = await _customer(storage, number="C-1", phone="04 72 10 20 30")
    mobile = await _customer(storage, number="C-2", mobile="+33 6 11 22 33 44")
    assert [c.key for c in await storage.identify_caller("0472102030")] == [home.key]
    assert [c.key for c in await storage.identify_caller("+33472102030")] == [home.key]
    assert [c.key for c in await storage.identify_caller("0033611223344")] == [mobile.key]
    assert await storage.identify_caller("0472999999") == []
    assert await storage.identify_caller("anonymous") == []
