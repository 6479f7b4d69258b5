import datetime

import pytest
from django.db import IntegrityError, transaction

from apps.traceability.errors import LotError
from apps.traceability.models import Lot, LotStatus
from apps.traceability.services import create_lot, recall_lot, release_lot
from apps.zones.models import CodeStatus, CodeStatusChange

MARCH = datetime.date(2024, 3, 1)


def test_it_creates_a_lot_with_shares_and_snapshots_the_codes_in_force(lot, zone, growing_code):
    lot.refresh_from_db()
    assert lot.status == LotStatus.OPEN
    share = lot.zone_shares.get()
    assert (share.zone, share.share_percent) == (zone, 80)
    assert list(lot.growing_area_codes.all()) == [growing_code]


def test_a_code_suspended_before_harvest_is_not_snapshotted(product, zone, growing_code):
    CodeStatusChange.objects.create(growing_area_code=growing_code, from_status=CodeStatus.ACTIVE,
                                    to_status=CodeStatus.SUSPENDED, effective_date=datetime.date(2024, 2, 1))
    lot = create_lot(product=product, code="L-SUSP", production_date=MARCH, zone_shares=[(zone, 100)])
    assert list(lot.growing_area_codes.all()) == []
    earlier = create_lot(product=product, code="L-EARLY", production_date=datetime.date(2024, 1, 15),
                         zone_shares=[(zone, 100)])
    assert list(earlier.growing_area_codes.all()) == [growing_code]


def test_lot_code_is_unique_per_product_but_not_across_products(lot, make_product):
    with pytest.raises(LotError) as error:
        create_lot(product=lot.product, code=lot.code, production_date=MARCH)
    assert error.value.code == "duplicate_lot_code"
    assert error.value.field == "code"
    other = create_lot(product=make_product(name="Mật ong", gtin=""), code=lot.code, production_date=MARCH)
    assert other.code == lot.code


def test_the_database_refuses_a_duplicate_lot_code_for_the_same_product(lot):
    with pytest.raises(IntegrityError), transaction.atomic():
        Lot.objects.create(product=lot.product, code=lot.code, production_date=MARCH)


@pytest.mark.parametrize("code", ["", "has space", "lô-01", "A" * 21, "-starts-with-dash", "a/b"])
def test_it_refuses_a_lot_code_gs1_ai_10_cannot_carry(product, code):
    with pytest.raises(LotError) as error:
        create_lot(product=product, code=code, production_date=MARCH)
    assert error.value.code == "invalid_lot_code"


def test_zone_shares_cannot_add_up_to_more_than_100(product, make_zone):
    north, south = make_zone("Bắc"), make_zone("Nam", lon=108.2)
    with pytest.raises(LotError) as error:
        create_lot(product=product, code="L-OVER", production_date=MARCH, zone_shares=[(north, 60), (south, 41)])
    assert error.value.code == "shares_exceed_100"
    assert not Lot.objects.filter(code="L-OVER").exists()
    lot = create_lot(product=product, code="L-OK", production_date=MARCH, zone_shares=[(north, 60), (south, 40)])
    assert lot.zone_shares.count() == 2


def test_it_refuses_an_expiry_before_production(product):
    with pytest.raises(LotError) as error:
        create_lot(product=product, code="L-X", production_date=MARCH, expiry_date=datetime.date(2024, 2, 1))
    assert error.value.code == "expiry_before_production"


def test_release_then_recall_with_a_reason(lot):
    release_lot(lot=lot)
    lot.refresh_from_db()
    assert lot.status == LotStatus.RELEASED and lot.released_at is not None
    recall_lot(lot=lot, reason="Phát hiện nấm mốc")
    lot.refresh_from_db()
    assert lot.status == LotStatus.RECALLED
    assert lot.recall_reason == "Phát hiện nấm mốc"


@pytest.mark.parametrize("reason", ["", "   "])
def test_recall_needs_a_reason(lot, reason):
    with pytest.raises(LotError) as error:
        recall_lot(lot=lot, reason=reason)
    assert error.value.code == "recall_reason_required"
    assert error.value.field == "reason"
    lot.refresh_from_db()
    assert lot.status == LotStatus.OPEN


def test_the_database_refuses_a_recall_without_reason(lot):
    with pytest.raises(IntegrityError), transaction.atomic():
        Lot.objects.filter(pk=lot.pk).update(status=LotStatus.RECALLED)


def test_only_an_open_lot_can_be_released(lot):
    release_lot(lot=lot)
    with pytest.raises(LotError) as error:
        release_lot(lot=lot)
    assert error.value.code == "lot_not_open"
