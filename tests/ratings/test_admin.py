import datetime

import pytest
from django.urls import reverse

from apps.ratings.models import OcopRating

pytestmark = pytest.mark.django_db


def _form(product, criteria_set, **overrides):
    data = {"product": product.pk, "criteria_set": criteria_set.pk, "council_level": "province", "era": "2025",
            "evaluation_round": "2025 đợt 2", "evaluation_date": "2025-09-10", "score_a": "30", "score_b": "20",
            "score_c": "25", "decision_number": "1234/QĐ-UBND", "decision_date": "2025-10-01",
            "issuing_authority": "UBND tỉnh Đắk Lắk", "issuing_unit": ""}
    data.update(overrides)
    return data


def test_the_changelist_filters_by_stars_and_searches_product_names_and_decisions(admin_client, rate):
    rating = rate()
    rate(score_a=25, score_b=15, score_c=15, decision_number="55/QĐ-UBND")
    url = reverse("admin:ratings_ocoprating_changelist")
    response = admin_client.get(url, {"stars__exact": "4", "q": "ca phe rang xay"})
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [rating]
    assert admin_client.get(url, {"q": "55/QĐ"}).context["cl"].result_count == 1
    assert admin_client.get(url, {"status__exact": "recognised"}).context["cl"].result_count == 2


def test_the_add_form_derives_total_stars_and_validity_through_the_service(admin_client, product, criteria_2023):
    response = admin_client.post(reverse("admin:ratings_ocoprating_add"), _form(product, criteria_2023))
    assert response.status_code == 302, response.context["adminform"].form.errors
    rating = OcopRating.objects.get()
    assert (rating.total, rating.stars, rating.status, rating.valid_until) == (
        75, 4, "recognised", datetime.date(2028, 10, 1))


def test_a_part_over_its_maximum_shows_on_that_field(admin_client, product, criteria_2023):
    response = admin_client.post(reverse("admin:ratings_ocoprating_add"), _form(product, criteria_2023,
                                                                                 score_a="41"))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "score_a" in errors and "0–40" in errors["score_a"][0]
    assert not OcopRating.objects.exists()


def test_five_stars_from_a_province_council_is_a_form_error(admin_client, product, criteria_2023):
    response = admin_client.post(reverse("admin:ratings_ocoprating_add"), _form(
        product, criteria_2023, score_a="40", score_b="25", score_c="30"))
    assert "council_level" in response.context["adminform"].form.errors


def test_the_change_form_revokes_with_a_reason(admin_client, rate, product, criteria_2023):
    rating = rate()
    url = reverse("admin:ratings_ocoprating_change", args=[rating.pk])
    data = _form(product, criteria_2023, new_status="revoked", status_effective_date="2026-01-05", status_reason="")
    response = admin_client.post(url, data)
    assert "status_reason" in response.context["adminform"].form.errors
    rating.refresh_from_db()
    assert rating.status == "recognised"
    response = admin_client.post(url, {**data, "status_reason": "Vi phạm an toàn thực phẩm"})
    assert response.status_code == 302
    rating.refresh_from_db()
    assert (rating.status, rating.revoked_on) == ("revoked", datetime.date(2026, 1, 5))
    assert admin_client.get(url).status_code == 200


def test_criteria_sets_and_council_rules_are_listed(admin_client):
    page = admin_client.get(reverse("admin:ratings_criteriaset_changelist")).content.decode()
    assert "148/2023" in page and "1048/2019" in page
    response = admin_client.get(reverse("admin:ratings_councilrule_changelist"), {"era__exact": "2025"})
    assert response.context["cl"].result_count == 2
