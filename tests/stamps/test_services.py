import pytest

from apps.stamps import serials, services
from apps.stamps.errors import StampError
from apps.stamps.models import Stamp, StampStatus, StampStatusChange


def test_issuing_a_run_writes_numbered_unique_issued_stamps_for_the_lot(lot, staff):
    run = services.issue_stamp_run(lot=lot, count=1500, created_by=staff, options={"stamp_size_mm": 30})
    stamps = Stamp.objects.filter(run=run)
    assert stamps.count() == 1500
    assert sorted(stamps.values_list("sequence", flat=True)) == list(range(1, 1501))
    assert set(stamps.values_list("status", flat=True)) == {StampStatus.ISSUED}
    assert set(stamps.values_list("lot_id", flat=True)) == {lot.pk}
    assert all(serials.is_valid(serial) for serial in stamps.values_list("serial", flat=True)[:100])
    run.refresh_from_db()
    assert run.created_by == staff and run.options["stamp_size_mm"] == 30 and run.options["error_correction"] == "M"


def test_serials_that_collide_with_existing_stamps_are_drawn_again(lot, monkeypatch):
    first = services.issue_stamp_run(lot=lot, count=3)
    taken = list(Stamp.objects.filter(run=first).values_list("serial", flat=True))
    real = serials.new_serials
    calls = []

    def colliding(count):
        calls.append(count)
        return taken[:2] + real(count - 2) if len(calls) == 1 else real(count)

    monkeypatch.setattr(serials, "new_serials", colliding)
    run = services.issue_stamp_run(lot=lot, count=5)
    assert calls == [5, 2]
    assert Stamp.objects.filter(run=run).count() == 5
    assert Stamp.objects.filter(serial__in=taken).count() == 3


@pytest.mark.parametrize("count", [0, 1_000_001, -3])
def test_a_run_needs_between_one_and_a_million_stamps(lot, count):
    with pytest.raises(StampError) as caught:
        services.issue_stamp_run(lot=lot, count=count)
    assert caught.value.code == "invalid_count" and caught.value.field == "count"


def test_a_recalled_lot_gets_no_new_stamps(lot):
    from apps.traceability.services import recall_lot

    recall_lot(lot=lot, reason="Aflatoxin above limit")
    lot.refresh_from_db()
    with pytest.raises(StampError) as caught:
        services.issue_stamp_run(lot=lot, count=5)
    assert caught.value.code == "lot_recalled"


def test_bad_print_options_are_refused_by_name(lot):
    from apps.stamps.rendering import StampOptionsError

    with pytest.raises(StampOptionsError) as caught:
        services.issue_stamp_run(lot=lot, count=5, options={"error_correction": "L"})
    assert caught.value.field == "error_correction"


def test_bulk_activation_by_range_changes_only_that_range_and_is_audited(run, staff):
    change = services.activate_stamps(run=run, sequence_from=3, sequence_to=7, changed_by=staff)
    assert change.changed_count == 5 and change.unchanged_count == 0
    assert change.selection == {"from": 3, "to": 7}
    assert list(Stamp.objects.filter(run=run, status=StampStatus.ACTIVE).values_list("sequence", flat=True)
                .order_by("sequence")) == [3, 4, 5, 6, 7]
    again = services.activate_stamps(run=run, sequence_from=1, sequence_to=4)
    assert (again.changed_count, again.unchanged_count) == (2, 2)
    assert StampStatusChange.objects.count() == 2


def test_bulk_void_by_serial_list_accepts_typed_serials(run):
    targets = list(Stamp.objects.filter(run=run).order_by("sequence").values_list("serial", flat=True)[:3])
    change = services.void_stamps(serials=[targets[0].lower(), targets[1], targets[2]])
    assert change.changed_count == 3 and change.run == run
    assert set(Stamp.objects.filter(serial__in=targets).values_list("status", flat=True)) == {StampStatus.VOID}


def test_revoking_needs_a_reason_and_keeps_it(run):
    with pytest.raises(StampError) as caught:
        services.revoke_stamps(run=run, sequence_from=1, sequence_to=2, reason=" ")
    assert caught.value.code == "reason_required"
    services.revoke_stamps(run=run, sequence_from=1, sequence_to=2, reason="Stolen roll of labels")
    stamp = Stamp.objects.get(run=run, sequence=2)
    assert stamp.status == StampStatus.REVOKED and stamp.status_reason == "Stolen roll of labels"
    assert stamp.status_changed_at is not None


def test_a_forbidden_transition_changes_nothing_at_all(run):
    services.void_stamps(run=run, sequence_from=5, sequence_to=5)
    with pytest.raises(StampError) as caught:
        services.activate_stamps(run=run, sequence_from=1, sequence_to=10)
    assert caught.value.code == "invalid_transition"
    assert not Stamp.objects.filter(run=run, status=StampStatus.ACTIVE).exists()


def test_unknown_serials_and_bad_ranges_are_refused(run):
    with pytest.raises(StampError) as caught:
        services.void_stamps(serials=[serials.new_serials(1)[0]])
    assert caught.value.code == "unknown_serial"
    with pytest.raises(StampError) as caught:
        services.void_stamps(run=run, sequence_from=5, sequence_to=run.count + 1)
    assert caught.value.code == "invalid_range"
    with pytest.raises(serials.SerialError):
        services.void_stamps(serials=["NOT-A-SERIAL"])


def test_a_serial_range_becomes_a_number_range_of_its_run(run):
    first = Stamp.objects.get(run=run, sequence=4)
    last = Stamp.objects.get(run=run, sequence=9)
    found_run, low, high = services.serial_range(first_serial=last.serial, last_serial=first.serial)
    assert (found_run, low, high) == (run, 4, 9)
