"""A change to anything a lot's public page shows gives that lot (and no other) a new page version."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from apps.certifications.services import add_certification
from apps.common.geometry import point
from apps.outlets.models import SalesPointKind
from apps.outlets.services import create_sales_point
from apps.products.models import Product, ProductLink
from apps.stamps import freshness
from apps.traceability.models import BizStep, InspectionResult, Lot
from apps.traceability.services import create_lot, recall_lot, record_event, record_inspection
from apps.zones.models import RawMaterialZone


@pytest.fixture
def other_lot(make_product, lot):
    """A lot of another product with no zone or facility: nothing of ``lot``'s page is on its page."""
    return create_lot(product=make_product(name="Mật ong Ea Kar", gtin="8930000000026"), code="M2026-01",
                      production_date=datetime.date(2026, 3, 1))


def versions(*lots: Lot) -> list[int]:
    return [Lot.objects.values_list("page_version", flat=True).get(pk=lot.pk) for lot in lots]


def changes(lot: Lot, other_lot: Lot, change) -> tuple[bool, bool]:
    """Whether ``change()`` gave ``lot``, ``other_lot`` a new page version."""
    before = versions(lot, other_lot)
    change()
    after = versions(lot, other_lot)
    return after[0] != before[0], after[1] != before[1]


def test_saving_the_lot_or_its_product_changes_its_version_only(lot, other_lot, product):
    def rename():
        product.story = "Rang mộc."
        product.save()

    assert changes(lot, other_lot, rename) == (True, False)
    assert changes(lot, other_lot, lambda: recall_lot(lot=lot, reason="Nấm mốc")) == (True, False)
    assert changes(lot, other_lot, lambda: ProductLink.objects.create(
        product=product, kind="website", url="https://shop.example.vn/ca-phe")) == (True, False)


def test_versions_come_from_a_sequence_and_are_never_reused(lot):
    stale = Lot.objects.get(pk=lot.pk)  # an instance read before the next change
    lot.product.save()
    current = versions(lot)[0]
    stale.save()  # writes its old page_version back, then the signal gives a new one
    assert versions(lot)[0] not in (current, stale.page_version)


def test_zones_codes_and_facilities_change_the_lots_that_show_them(lot, other_lot, zone, growing_code,
                                                                   packing_facility):
    def edit_zone():
        zone.name = "Vùng cà phê Ea Tu (mở rộng)"
        zone.save()

    def edit_code():
        growing_code.issuing_authority = "Chi cục Trồng trọt và BVTV Đắk Lắk"
        growing_code.save()

    def edit_facility():
        packing_facility.name = "Nhà sơ chế Ea Tu"
        packing_facility.save()

    assert changes(lot, other_lot, edit_zone) == (True, False)
    assert changes(lot, other_lot, edit_code) == (True, False)
    assert changes(lot, other_lot, edit_facility) == (True, False)


def test_logbook_certifications_and_inspections_change_the_lots_that_show_them(lot, other_lot, producer,
                                                                               packing_facility):
    event = lambda: record_event(lot=lot, biz_step=BizStep.HARVESTING,  # noqa: E731
                                 event_time=timezone.now() - datetime.timedelta(hours=1))
    certify = lambda: add_certification(scheme="vietgap", certifying_body="Trung tâm Chứng nhận",  # noqa: E731
                                        number="VG-2026-07", valid_from=datetime.date(2026, 1, 1),
                                        valid_to=datetime.date(2028, 1, 1), subject=packing_facility)
    inspect = lambda: record_inspection(inspector_name="Nguyễn Văn A", organisation="Chi cục QLCL",  # noqa: E731
                                        inspected_on=datetime.date(2026, 4, 2), result=InspectionResult.FAIL,
                                        target=packing_facility, findings="Kho ẩm.")
    assert changes(lot, other_lot, event) == (True, False)
    assert changes(lot, other_lot, certify) == (True, False)
    assert changes(lot, other_lot, inspect) == (True, False)
    # The producer of both lots' products: both pages show it.
    assert changes(lot, other_lot, lambda: producer.save()) == (True, True)


def test_a_sales_point_changes_the_lots_of_the_products_it_carries_or_stops_carrying(lot, other_lot, product):
    created = []

    def open_shop():
        created.append(create_sales_point(name="Cửa hàng OCOP Buôn Ma Thuột", kind=SalesPointKind.CENTRE_PROVINCE,
                                          location=point(108.04, 12.67), products=[product]))

    assert changes(lot, other_lot, open_shop) == (True, False)
    assert changes(lot, other_lot, lambda: created[0].products.remove(product)) == (True, False)
    assert changes(lot, other_lot, lambda: product.sales_points.add(created[0])) == (True, False)
    assert changes(lot, other_lot, lambda: created[0].products.clear()) == (True, False)


def test_an_update_around_the_models_is_not_seen(lot, other_lot, product, zone):
    # QuerySet.update sends no signal: the cache lifetime bounds how long such a change goes unseen (documented).
    assert changes(lot, other_lot, lambda: Product.objects.filter(pk=product.pk).update(story="…")) == (False, False)
    assert changes(lot, other_lot, lambda: RawMaterialZone.objects.filter(pk=zone.pk).update(name="…")) \
        == (False, False)


def test_an_inspection_of_nothing_tracked_touches_no_lot(lot, other_lot):
    from apps.traceability.models import Inspection

    assert freshness.lots_showing([Inspection()]) is None
    assert freshness.touch([Inspection()]) == 0


def test_ocop_ratings_and_declarations_change_the_product_lots(lot, other_lot, product):
    from apps.ratings.models import CriteriaSet
    from apps.ratings.services import record_rating, revoke_rating
    from apps.traceability.services import declare_product

    ratings = []

    def rate():
        ratings.append(record_rating(
            product=product, criteria_set=CriteriaSet.objects.get(code="148/2023"), council_level="province",
            era="2025", evaluation_date=datetime.date(2025, 9, 10), score_a=30, score_b=20, score_c=25,
            decision_number="1234/QĐ-UBND", decision_date=datetime.date(2025, 10, 1),
            issuing_authority="UBND tỉnh Đắk Lắk"))

    assert changes(lot, other_lot, rate) == (True, False)
    assert changes(lot, other_lot, lambda: revoke_rating(  # the stars the consumer sees are withdrawn
        rating=ratings[0], reason="Vi phạm an toàn thực phẩm", revoked_on=datetime.date(2026, 1, 5))) == (True, False)
    assert changes(lot, other_lot, lambda: declare_product(
        product=product, standard_applied="TCCS 02:2026/HTX", composition="Cà phê Robusta 100 %",
        net_quantity="500 g", shelf_life_days=365, effective_from=datetime.date(2026, 1, 1))) == (True, False)


def test_a_lots_growing_area_codes_and_source_lots_links_change_it(lot, other_lot, growing_code):
    assert changes(lot, other_lot, lambda: lot.growing_area_codes.remove(growing_code)) == (True, False)
    assert changes(lot, other_lot, lambda: growing_code.lots.add(lot)) == (True, False)  # from the other side
    assert changes(lot, other_lot, lambda: lot.source_lots.add(other_lot)) == (True, True)  # both pages list it
