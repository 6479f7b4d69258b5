import datetime

import pytest

from apps.products.models import Product
from apps.products.services import register_product
from apps.ratings.selectors import current_ocop_status, products_with_status
from apps.ratings.services import revoke_rating

pytestmark = pytest.mark.django_db

D = datetime.date


def test_a_product_never_recognised_has_no_status(rate, product):
    rate(score_a=10, score_b=10, score_c=10, decision_number="", decision_date=None)
    status = current_ocop_status(product, on=D(2026, 1, 1))
    assert (status.state, status.stars) == ("none", None)


def test_a_recognised_product_shows_stars_certificate_and_validity(rate, product):
    rate(decision_number="1234/QĐ-UBND", decision_date=D(2025, 10, 1))
    status = current_ocop_status(product, on=D(2025, 10, 1))
    assert (status.state, status.stars, status.certificate_number, status.valid_until) == (
        "recognised", 4, "1234/QĐ-UBND", D(2028, 10, 1))
    assert status.is_recognised


def test_it_is_recognised_on_valid_until_and_expired_the_day_after(rate, product):
    rate(decision_date=D(2025, 10, 1))
    assert current_ocop_status(product, on=D(2028, 10, 1)).state == "recognised"
    expired = current_ocop_status(product, on=D(2028, 10, 2))
    assert (expired.state, expired.expired_on, expired.stars) == ("expired", D(2028, 10, 1), 4)
    assert not expired.is_recognised


def test_before_its_decision_a_rating_does_not_count(rate, product):
    rate(decision_date=D(2025, 10, 1))
    assert current_ocop_status(product, on=D(2025, 9, 30)).state == "none"


def test_the_latest_recognised_rating_wins_even_with_fewer_stars(rate, product, criteria_2019):
    rate(criteria_set=criteria_2019, era="legacy", score_a=30, score_b=20, score_c=30, decision_number="A-4",
         evaluation_date=D(2023, 1, 10), decision_date=D(2023, 2, 1))
    rate(score_a=25, score_b=15, score_c=20, decision_number="B-3", decision_date=D(2025, 10, 1))
    rate(score_a=10, score_b=5, score_c=5, decision_number="", decision_date=None,
         evaluation_date=D(2025, 12, 1))  # a later failed evaluation does not replace the certificate
    assert current_ocop_status(product, on=D(2024, 1, 1)).certificate_number == "A-4"
    status = current_ocop_status(product, on=D(2026, 1, 1))
    assert (status.state, status.stars, status.certificate_number) == ("recognised", 3, "B-3")


def test_a_revoked_rating_shows_reason_and_date_from_the_revocation_on(rate, product):
    rating = rate()
    revoke_rating(rating=rating, reason="Không duy trì chất lượng", revoked_on=D(2026, 3, 1))
    assert current_ocop_status(product, on=D(2026, 2, 28)).state == "recognised"
    status = current_ocop_status(product, on=D(2026, 3, 1))
    assert (status.state, status.revoked_on, status.revocation_reason) == (
        "revoked", D(2026, 3, 1), "Không duy trì chất lượng")


def test_products_with_status_annotates_and_filters_by_current_stars(rate, product, producer, coffee, criteria_2019):
    four = product
    five = register_product(name="Cà phê đặc sản", category=coffee, producer=producer)
    expired = register_product(name="Cà phê cũ", category=coffee, producer=producer)
    revoked = register_product(name="Cà phê thu hồi", category=coffee, producer=producer)
    unrated = register_product(name="Cà phê mới", category=coffee, producer=producer)
    rate(product=four)
    rate(product=five, council_level="national", score_a=40, score_b=25, score_c=30)
    rate(product=expired, era="legacy", evaluation_date=D(2021, 5, 1), decision_date=D(2021, 6, 1),
         criteria_set=criteria_2019)
    revoke_rating(rating=rate(product=revoked), reason="x", revoked_on=D(2025, 12, 1))

    on = D(2026, 1, 15)
    rows = {p.pk: (p.ocop_state, p.ocop_stars) for p in products_with_status(on=on)}
    assert rows[four.pk] == ("recognised", 4)
    assert rows[five.pk] == ("recognised", 5)
    assert rows[expired.pk] == ("expired", None)
    assert rows[revoked.pk] == ("revoked", None)
    assert rows[unrated.pk] == ("none", None)
    assert list(products_with_status(on=on, stars=5)) == [five]
    assert set(products_with_status(on=on, min_stars=4)) == {four, five}
    assert list(products_with_status(Product.objects.filter(name__startswith="Cà phê c"), on=on,
                                     state="expired")) == [expired]
    assert products_with_status(on=on).get(pk=four.pk).ocop_valid_until == D(2028, 10, 1)


def test_products_with_status_agrees_with_current_ocop_status(rate, product):
    rate(decision_date=D(2025, 10, 1))
    for day in (D(2025, 9, 30), D(2025, 10, 1), D(2028, 10, 1), D(2028, 10, 2)):
        annotated = products_with_status(on=day).get(pk=product.pk)
        assert annotated.ocop_state == current_ocop_status(product, on=day).state


def test_products_with_status_is_one_query(rate, product, django_assert_num_queries):
    rate()
    with django_assert_num_queries(1):
        assert [p.ocop_stars for p in products_with_status(on=D(2026, 1, 1))] == [4]
