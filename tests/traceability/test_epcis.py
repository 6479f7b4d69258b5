import datetime

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import override_settings

from apps.common.geometry import point
from apps.traceability.epcis import epcis_document
from apps.traceability.models import BizStep
from apps.traceability.services import LotQuantity, correct_event, create_lot, declare_product, record_event
from tests.traceability.conftest import at

BASE = "https://ocop.example.vn"


@pytest.fixture
def recorded(lot, zone, packing_facility, production_facility, sales_point, make_product, officer):
    """A logbook from planting to retail, plus a transformation into a lot of a product without GTIN."""
    events = [
        record_event(lot=lot, biz_step=BizStep.PLANTING, event_time=at(datetime.date(2023, 5, 1)), zone=zone),
        record_event(lot=lot, biz_step=BizStep.SPRAYING, event_time=at(datetime.date(2024, 1, 20)), zone=zone,
                     input_product="Abamectin 1.8EC", pre_harvest_interval_days=14),
        record_event(lot=lot, biz_step=BizStep.HARVESTING, event_time=at(datetime.date(2024, 3, 1)), zone=zone,
                     objects=[LotQuantity(lot, "520", "kg")]),
        record_event(lot=lot, biz_step=BizStep.PACKING, event_time=at(datetime.date(2024, 3, 2)),
                     packing_facility=packing_facility, objects=[LotQuantity(lot, "500", "kg")]),
        record_event(lot=lot, biz_step=BizStep.SHIPPING, event_time=at(datetime.date(2024, 3, 3)),
                     packing_facility=packing_facility, business_documents=[{"type": "inv", "number": "HĐ 0001"}]),
        record_event(lot=lot, biz_step=BizStep.RETAIL_SELLING, event_time=at(datetime.date(2024, 3, 9)),
                     sales_point=sales_point),
        record_event(lot=lot, biz_step=BizStep.INSPECTING, event_time=at(datetime.date(2024, 3, 9)),
                     location=point(108.2, 12.8)),
    ]
    roasted = create_lot(product=make_product(name="Cà phê bột", gtin=""), code="R-01",
                         production_date=datetime.date(2024, 3, 10))
    transformation = record_event(lot=roasted, biz_step=BizStep.PROCESSING, event_time=at(datetime.date(2024, 3, 10)),
                                  production_facility=production_facility, inputs=[LotQuantity(lot, "200", "kg")],
                                  outputs=[LotQuantity(roasted, "160", "kg")])
    return events, roasted, transformation


@override_settings(PUBLIC_BASE_URL=BASE)
def test_the_document_has_the_epcis_2_header(lot, recorded):
    document = epcis_document(lot)
    assert document["@context"][0] == "https://ref.gs1.org/standards/epcis/epcis-context.jsonld"
    assert document["@context"][1] == {"ocop": f"{BASE}/voc/"}
    assert document["type"] == "EPCISDocument"
    assert document["schemaVersion"] == "2.0"
    assert datetime.datetime.fromisoformat(document["creationDate"]).tzinfo is not None
    assert len(document["epcisBody"]["eventList"]) == 7


@override_settings(PUBLIC_BASE_URL=BASE)
def test_events_carry_type_time_action_cbv_values_and_places(lot, recorded, growing_code, packing_facility,
                                                             sales_point):
    planting, spraying, harvest, packing, shipping, retail, inspecting = epcis_document(lot)["epcisBody"]["eventList"]
    lot_class = "https://id.gs1.org/01/08930000000019/10/L2024-001"

    assert harvest["type"] == "ObjectEvent" and harvest["action"] == "ADD"
    assert harvest["eventTime"] == "2024-03-01T08:00:00.000+07:00"
    assert harvest["eventTimeZoneOffset"] == "+07:00"
    assert harvest["bizStep"] == "commissioning" and harvest["disposition"] == "active"
    assert harvest["quantityList"] == [{"epcClass": lot_class, "quantity": 520, "uom": "KGM"}]
    assert harvest["readPoint"] == {"id": f"{BASE}/places/growing-area/{growing_code.code}"}
    assert harvest["bizLocation"] == harvest["readPoint"]

    assert planting["bizStep"] == f"{BASE}/voc/BizStep-planting"
    assert spraying["ocop:inputProduct"] == "Abamectin 1.8EC" and spraying["ocop:preHarvestIntervalDays"] == 14

    assert packing["type"] == "AggregationEvent" and packing["action"] == "ADD"
    assert packing["parentID"] == lot_class
    assert packing["childQuantityList"] == [{"epcClass": lot_class, "quantity": 500, "uom": "KGM"}]
    assert packing["readPoint"] == {"id": f"{BASE}/places/packing-facility/{packing_facility.code}"}

    assert shipping["action"] == "OBSERVE" and shipping["bizStep"] == "shipping"
    assert shipping["disposition"] == "in_transit"
    assert "bizLocation" not in shipping
    assert shipping["bizTransactionList"] == [{"type": "inv", "bizTransaction": f"{BASE}/documents/inv/H%C4%90%200001"}]

    assert retail["bizStep"] == "retail_selling" and retail["disposition"] == "retail_sold"
    assert retail["readPoint"] == {"id": f"{BASE}/places/sales-point/{sales_point.pk}"}
    assert inspecting["readPoint"] == {"id": "geo:12.800000,108.200000"}
    assert [event["ocop:sequence"] for event in (planting, harvest, inspecting)] == [1, 3, 7]


@override_settings(PUBLIC_BASE_URL=BASE)
def test_a_transformation_has_input_and_output_lists_and_no_action(lot, recorded, production_facility):
    _events, roasted, _transformation = recorded
    (event,) = epcis_document(roasted)["epcisBody"]["eventList"]
    assert event["type"] == "TransformationEvent"
    assert "action" not in event
    assert event["bizStep"] == "creating_class_instance"
    assert event["inputQuantityList"] == [
        {"epcClass": "https://id.gs1.org/01/08930000000019/10/L2024-001", "quantity": 200, "uom": "KGM"}]
    assert event["outputQuantityList"] == [{"epcClass": f"{BASE}/lots/{roasted.pk}", "quantity": 160, "uom": "KGM"}]
    assert event["readPoint"] == {"id": f"{BASE}/places/production-facility/{production_facility.pk}"}


@override_settings(PUBLIC_BASE_URL=BASE)
def test_a_corrected_event_carries_an_error_declaration(lot, recorded):
    events = recorded[0]
    correction = correct_event(original=events[1], reason="Sai tên thuốc", input_product="Emamectin 5WG")
    listed = epcis_document(lot)["epcisBody"]["eventList"]
    assert listed[1]["errorDeclaration"]["reason"] == "incorrect_data"
    assert listed[1]["errorDeclaration"]["correctiveEventIDs"] == [f"{BASE}/events/{correction.hash}"]
    assert listed[-1]["ocop:corrects"] == f"{BASE}/events/{events[1].hash}"


@override_settings(PUBLIC_BASE_URL=BASE)
def test_the_api_serves_the_epcis_document_as_json_ld(client, lot, recorded):
    response = client.get(f"/api/v1/lots/{lot.pk}/epcis")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/ld+json")
    body = response.json()
    assert body["type"] == "EPCISDocument"
    assert [event["type"] for event in body["epcisBody"]["eventList"]][:4] == [
        "ObjectEvent", "ObjectEvent", "ObjectEvent", "AggregationEvent"]
    assert client.get("/api/v1/lots/999999/epcis").status_code == 404


def test_the_lot_api_shows_inputs_outputs_chain_and_declaration(client, lot, recorded, zone, growing_code):
    _events, roasted, _transformation = recorded
    declare_product(product=lot.product, standard_applied="TCCS 01:2024/HTX", composition="Cà phê", net_quantity="1 kg",
                    shelf_life_days=365, effective_from=datetime.date(2024, 1, 1))
    body = client.get(f"/api/v1/lots/{lot.pk}/").json()
    assert body["code"] == "L2024-001"
    assert body["inputs"]["zones"] == [{"id": zone.pk, "name": zone.name, "share_percent": "80.00",
                                        "growing_area_codes": [growing_code.code]}]
    assert [item["lot"]["id"] for item in body["outputs"]["derived_lots"]] == [roasted.pk]
    assert body["outputs"]["shipments"][0]["business_documents"] == [{"type": "inv", "number": "HĐ 0001"}]
    assert body["chain"] == {"is_intact": True, "event_count": 7, "first_bad_sequence": None, "problem": ""}
    assert body["declaration"]["version"] == 1
    assert body["consistency_issues"] == []
    back = client.get(f"/api/v1/lots/{roasted.pk}/").json()
    assert [item["lot"]["code"] for item in back["inputs"]["source_lots"]] == ["L2024-001"]


def test_verify_logbook_prints_each_lot_and_exits_zero_when_intact(lot, recorded, capsys):
    call_command("verify_logbook")
    out = capsys.readouterr().out
    assert f"OK      {lot.pk} " in out and "7 events, chain intact" in out
    assert "All logbooks intact." in out


def test_verify_logbook_exits_non_zero_and_names_the_broken_event(lot, recorded, capsys):
    events, roasted, _ = recorded
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("ALTER TABLE traceability_traceevent DISABLE TRIGGER traceability_append_only")
        cursor.execute("UPDATE traceability_traceevent SET disposition = 'active' WHERE id = %s", [events[4].pk])
        cursor.execute("ALTER TABLE traceability_traceevent ENABLE TRIGGER traceability_append_only")
    with pytest.raises(CommandError) as error:
        call_command("verify_logbook")
    assert error.value.returncode == 1
    out = capsys.readouterr().out
    assert f"BROKEN  {lot.pk} " in out and f"first bad event #5 (id {events[4].pk}, hash_mismatch)" in out
    assert f"OK      {roasted.pk} " in out
    call_command("verify_logbook", lot=str(roasted.pk))  # the other lot alone is fine
    with pytest.raises(CommandError):
        call_command("verify_logbook", lot=lot.code)
