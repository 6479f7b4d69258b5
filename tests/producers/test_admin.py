import pytest
from django.urls import reverse

from apps.producers.models import Producer

pytestmark = pytest.mark.django_db


def test_the_changelist_filters_by_legal_form_and_searches_without_diacritics(admin_client, producer, commune):
    from apps.producers.services import register_producer

    register_producer(name="Công ty TNHH Mật ong Tây Nguyên", legal_form="dn", tax_code="6000000011", commune=commune)
    url = reverse("admin:producers_producer_changelist")
    response = admin_client.get(url, {"legal_form__exact": "htx", "q": "CA PHE EA TU"})
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [producer]
    assert admin_client.get(url, {"q": "mat ong"}).context["cl"].result_count == 1
    assert admin_client.get(url, {"commune__id__exact": commune.pk}).context["cl"].result_count == 2


def _form(commune, **overrides):
    data = {"name": "Hợp tác xã Dịch vụ Nông nghiệp Krông Pắc", "legal_form": "htx", "tax_code": "6000000123",
            "commune": commune.pk, "legacy_commune": "", "representative": "", "phone": "", "email": "",
            "website": "", "address": "", "location": "", "partners": ""}
    data.update(overrides)
    return data


def test_the_add_form_saves_through_the_service(admin_client, commune):
    response = admin_client.post(reverse("admin:producers_producer_add"), _form(commune))
    assert response.status_code == 302, response.context["adminform"].form.errors
    producer = Producer.objects.get(tax_code="6000000123")
    assert (producer.slug, producer.search_name) == ("hop-tac-xa-dich-vu-nong-nghiep-krong-pac",
                                                     "hop tac xa dich vu nong nghiep krong pac")


def test_a_legacy_commune_shows_as_a_form_error_not_a_crash(admin_client, legacy_commune):
    response = admin_client.post(reverse("admin:producers_producer_add"), _form(legacy_commune))
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert "commune" in form.errors
    assert not Producer.objects.exists()


def test_a_duplicate_tax_code_shows_on_the_tax_code_field(admin_client, producer, commune):
    response = admin_client.post(reverse("admin:producers_producer_add"), _form(commune, tax_code=producer.tax_code))
    assert response.status_code == 200
    assert "tax_code" in response.context["adminform"].form.errors
    assert Producer.objects.count() == 1


def test_the_change_form_renames_through_the_service(admin_client, producer, commune):
    url = reverse("admin:producers_producer_change", args=[producer.pk])
    assert admin_client.get(url).status_code == 200
    response = admin_client.post(url, _form(commune, name="HTX Cà phê Công bằng Ea Tu", tax_code=producer.tax_code))
    assert response.status_code == 302
    producer.refresh_from_db()
    assert producer.slug == "htx-ca-phe-cong-bang-ea-tu"
