import datetime
import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, connection, transaction

from apps.common.geometry import point
from apps.traceability.chain import chain_hash, stored_facts
from apps.traceability.errors import LogbookError
from apps.traceability.models import GENESIS_HASH, AppendOnlyError, BizStep, EventType, TraceEvent, TraceEventLot
from apps.traceability.selectors import verify_chain
from apps.traceability.services import LotQuantity, correct_event, create_lot, record_event
from tests.traceability.conftest import at

MARCH = datetime.date(2024, 3, 1)


def tamper(table: str, *statements: tuple[str, list]) -> None:
    """Run ``statements`` on ``table`` with its append-only trigger disabled, as an attacker with SQL access would."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # ALTER TABLE refuses while deferred FK checks are pending
        cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER traceability_append_only")
        for sql, params in statements:
            cursor.execute(sql, params)
        cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER traceability_append_only")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


@pytest.fixture
def logbook(lot, zone, packing_facility, officer):
    """Spraying, harvesting and packing recorded in the lot's logbook."""
    spraying = record_event(lot=lot, biz_step=BizStep.SPRAYING, event_time=at(datetime.date(2024, 2, 1)),
                            recorded_by=officer, zone=zone, input_product="Abamectin 1.8EC, 0,5 l/ha",
                            pre_harvest_interval_days=14, notes="Phun phòng rệp sáp")
    harvest = record_event(lot=lot, biz_step=BizStep.HARVESTING, event_time=at(MARCH), recorded_by=officer,
                           zone=zone, objects=[LotQuantity(lot, "520", "kg")], location=point(108.105, 12.705))
    packing = record_event(lot=lot, biz_step=BizStep.PACKING, event_time=at(MARCH, 15), recorded_by=officer,
                           packing_facility=packing_facility, objects=[LotQuantity(lot, "500", "kg")],
                           attachments=[(SimpleUploadedFile("kho.jpg", b"jpeg-bytes"), "Kho đóng gói")])
    return [spraying, harvest, packing]


def test_events_form_a_sha256_chain_per_lot(logbook):
    spraying, harvest, packing = logbook
    assert spraying.previous_hash == GENESIS_HASH
    assert harvest.previous_hash == spraying.hash
    assert packing.previous_hash == harvest.hash
    assert [event.sequence for event in logbook] == [1, 2, 3]
    stored = TraceEvent.objects.get(pk=harvest.pk)
    assert stored.hash == chain_hash(stored.previous_hash, stored_facts(stored))
    result = verify_chain(spraying.lot)
    assert result.is_intact and result.event_count == 3


def test_step_defaults_follow_epcis_shapes(logbook):
    spraying, harvest, packing = logbook
    assert (harvest.event_type, harvest.action, harvest.disposition) == (EventType.OBJECT, "ADD", "active")
    assert (packing.event_type, packing.action) == (EventType.AGGREGATION, "ADD")
    assert spraying.action == "OBSERVE"
    assert packing.attachments.get().sha256 == hashlib.sha256(b"jpeg-bytes").hexdigest()


def test_tampering_with_a_row_in_sql_is_detected(logbook):
    spraying, harvest, packing = logbook
    tamper("traceability_traceevent",
           ("UPDATE traceability_traceevent SET notes = %s WHERE id = %s", ["Không phun gì", spraying.pk]))
    result = verify_chain(spraying.lot)
    assert not result.is_intact
    assert result.first_bad_event.pk == spraying.pk
    assert result.problem == "hash_mismatch"


def test_tampering_with_a_lot_quantity_link_is_detected(logbook):
    spraying, harvest, packing = logbook
    link = TraceEventLot.objects.get(event=harvest)
    tamper("traceability_traceeventlot", ("UPDATE traceability_traceeventlot SET quantity = 900 WHERE id = %s",
                                          [link.pk]))
    result = verify_chain(harvest.lot)
    assert (result.is_intact, result.first_bad_event.pk) == (False, harvest.pk)


def test_rewriting_a_hash_to_cover_tampering_breaks_the_next_link(logbook):
    spraying, harvest, packing = logbook
    stored = TraceEvent.objects.get(pk=harvest.pk)
    stored.notes = "x"
    forged = chain_hash(stored.previous_hash, stored_facts(stored))
    tamper("traceability_traceevent",
           ("UPDATE traceability_traceevent SET notes = 'x', hash = %s WHERE id = %s", [forged, harvest.pk]))
    result = verify_chain(harvest.lot)
    assert (result.first_bad_event.pk, result.problem) == (packing.pk, "broken_link")


@pytest.mark.parametrize("statement", [
    "UPDATE traceability_traceevent SET notes = 'sửa' WHERE id = %s",
    "DELETE FROM traceability_traceevent WHERE id = %s",
    "UPDATE traceability_traceeventlot SET quantity = 1 WHERE event_id = %s",
    "DELETE FROM traceability_traceeventlot WHERE event_id = %s",
    "DELETE FROM traceability_traceeventattachment WHERE event_id = %s",
])
def test_the_database_refuses_updates_and_deletes_of_the_logbook(logbook, statement):
    packing = logbook[2]
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement, [packing.pk])
    assert TraceEvent.objects.get(pk=packing.pk).notes == packing.notes
    assert verify_chain(packing.lot).is_intact


def test_python_refuses_updates_and_deletes_too(logbook):
    event = logbook[0]
    event.notes = "sửa"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        TraceEvent.objects.filter(pk=event.pk).update(notes="x")
    with pytest.raises(AppendOnlyError):
        TraceEvent.objects.filter(pk=event.pk).delete()
    assert TraceEvent.objects.get(pk=event.pk).notes == "Phun phòng rệp sáp"


def test_a_correction_is_a_new_event_that_references_the_original(logbook, officer):
    spraying = logbook[0]
    correction = correct_event(original=spraying, recorded_by=officer, reason="Ghi sai liều lượng",
                               input_product="Abamectin 1.8EC, 0,3 l/ha")
    spraying.refresh_from_db()
    assert spraying.input_product == "Abamectin 1.8EC, 0,5 l/ha"
    assert correction.corrects == spraying
    assert correction.sequence == 4 and correction.previous_hash == logbook[2].hash
    assert correction.input_product == "Abamectin 1.8EC, 0,3 l/ha"
    assert correction.notes.startswith("Ghi sai liều lượng")
    assert list(spraying.corrections.all()) == [correction]
    assert verify_chain(spraying.lot).is_intact


def test_a_correction_needs_a_reason_and_the_same_logbook(logbook, product, officer):
    with pytest.raises(LogbookError) as error:
        correct_event(original=logbook[0], recorded_by=officer, reason=" ")
    assert error.value.code == "correction_reason_required"
    other = create_lot(product=product, code="L-OTHER", production_date=MARCH)
    with pytest.raises(LogbookError) as error:
        record_event(lot=other, biz_step=BizStep.INSPECTING, event_time=at(MARCH), corrects=logbook[0])
    assert error.value.code == "correction_other_lot"


def test_spraying_needs_the_product_and_pre_harvest_interval(lot, zone):
    with pytest.raises(LogbookError) as error:
        record_event(lot=lot, biz_step=BizStep.SPRAYING, event_time=at(MARCH), zone=zone, input_product="Abamectin")
    assert error.value.code == "pre_harvest_interval_required"
    assert not TraceEvent.objects.filter(lot=lot).exists()


def test_it_refuses_a_naive_or_future_event_time(lot):
    with pytest.raises(LogbookError) as error:
        record_event(lot=lot, biz_step=BizStep.HARVESTING, event_time=datetime.datetime(2024, 3, 1, 8))
    assert error.value.code == "event_time_naive"
    with pytest.raises(LogbookError) as error:
        record_event(lot=lot, biz_step=BizStep.HARVESTING, event_time=at(datetime.date.today() + datetime.timedelta(2)))
    assert error.value.code == "event_in_future"


def test_a_transformation_links_inputs_as_source_lots(lot, make_product, officer, production_facility):
    roasted = create_lot(product=make_product(name="Cà phê bột", gtin=""), code="R-01",
                         production_date=datetime.date(2024, 3, 10))
    event = record_event(lot=roasted, biz_step=BizStep.PROCESSING, event_time=at(datetime.date(2024, 3, 10)),
                         recorded_by=officer, production_facility=production_facility,
                         inputs=[LotQuantity(lot, "200", "kg")], outputs=[LotQuantity(roasted, "160", "kg")])
    assert event.event_type == EventType.TRANSFORMATION and event.action == ""
    assert list(roasted.source_lots.all()) == [lot]
    with pytest.raises(LogbookError) as error:
        record_event(lot=roasted, biz_step=BizStep.PROCESSING, event_time=at(datetime.date(2024, 3, 10)),
                     inputs=[lot])
    assert error.value.code == "transformation_needs_inputs_and_outputs"


def test_a_transaction_event_needs_a_business_document(lot):
    with pytest.raises(LogbookError) as error:
        record_event(lot=lot, biz_step=BizStep.SHIPPING, event_type=EventType.TRANSACTION, event_time=at(MARCH))
    assert error.value.code == "document_required"
    event = record_event(lot=lot, biz_step=BizStep.SHIPPING, event_type=EventType.TRANSACTION, event_time=at(MARCH),
                         business_documents=[{"type": "inv", "number": "HD-0001"}])
    assert event.action == "OBSERVE"
    assert event.business_documents == [{"type": "inv", "number": "HD-0001"}]
