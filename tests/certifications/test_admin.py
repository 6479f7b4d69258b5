import pytest
from django.urls import reverse

from apps.certifications.models import Certification
from apps.certifications.services import add_certification

pytestmark = pytest.mark.django_db


def _form(**overrides):
    data = {"scheme": "vietgap", "certifying_body": "QUACERT", "number": "VG-9", "valid_from": "2024-01-01",
            "valid_to": "2025-12-31", "zone": "", "packing_facility": "", "production_facility": "",
            "producer": "", "product": ""}
    data.update(overrides)
    return data


def test_the_changelist_filters_by_state_and_scheme_and_searches_the_holder(admin_client, product, producer):
    import datetime

    expired = add_certification(scheme="vietgap", certifying_body="QUACERT", number="VG-1",
                                valid_from=datetime.date(2020, 1, 1), valid_to=datetime.date(2022, 12, 31),
                                subject=product)
    add_certification(scheme="organic", certifying_body="Control Union", number="OR-1",
                      valid_from=datetime.date(2024, 1, 1), subject=producer)
    url = reverse("admin:certifications_certification_changelist")
    response = admin_client.get(url, {"state": "expired", "q": "ca phe rang"})
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [expired]
    assert admin_client.get(url, {"scheme__exact": "organic"}).context["cl"].result_count == 1
    assert admin_client.get(url, {"state": "valid"}).context["cl"].result_count == 1


def test_the_add_form_saves_through_the_service(admin_client, product):
    response = admin_client.post(reverse("admin:certifications_certification_add"), _form(product=product.pk))
    assert response.status_code == 302, response.context["adminform"].form.errors
    certification = Certification.objects.get()
    assert (certification.subject, certification.number) == (product, "VG-9")


def test_no_holder_or_two_holders_is_a_form_error(admin_client, product, producer):
    url = reverse("admin:certifications_certification_add")
    response = admin_client.post(url, _form())
    assert response.status_code == 200 and response.context["adminform"].form.non_field_errors()
    response = admin_client.post(url, _form(product=product.pk, producer=producer.pk))
    assert response.context["adminform"].form.non_field_errors()
    response = admin_client.post(url, _form(product=product.pk, valid_to="2023-01-01"))
    assert response.context["adminform"].form.errors  # the end before the start (model constraint)
    assert not Certification.objects.exists()
