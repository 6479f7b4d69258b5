import datetime

import pytest
from django.urls import reverse

from apps.products.models import Product, ProductCategory

pytestmark = pytest.mark.django_db


def _inline_management(prefix, total=0):
    return {f"{prefix}-TOTAL_FORMS": str(total), f"{prefix}-INITIAL_FORMS": "0", f"{prefix}-MIN_NUM_FORMS": "0",
            f"{prefix}-MAX_NUM_FORMS": "1000"}


def _form(producer, category, **overrides):
    data = {"name": "Cà phê Robusta Ea Tu", "name_en": "", "kind": category.kind, "category": category.pk,
            "producer": producer.pk, "gtin": "8934567890120", "short_description": "", "story": "", "video_url": "",
            "declared_standard": "", "shelf_life_days": "", "tags": "", "origin_communes": "",
            **_inline_management("links"), **_inline_management("photos"), **_inline_management("ratings")}
    data.update(overrides)
    return data


def test_the_changelist_filters_by_industry_and_stars_and_searches_without_diacritics(admin_client, product, rate):
    rate(product=product)
    url = reverse("admin:products_product_changelist")
    response = admin_client.get(url, {"industry": "148/2023:food", "q": "CA PHE RANG"})
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [product]
    assert admin_client.get(url, {"stars": "4"}).context["cl"].result_count == 1
    assert admin_client.get(url, {"stars": "5"}).context["cl"].result_count == 0
    assert admin_client.get(url, {"industry": "148/2023:tourism"}).context["cl"].result_count == 0
    assert "★★★★" in response.content.decode()


def test_the_add_form_saves_through_the_service_with_a_link(admin_client, producer, coffee):
    data = _form(producer, coffee, **{**_inline_management("links", 1), "links-0-kind": "shopee",
                                      "links-0-url": "https://shopee.vn/ca-phe-robusta"})
    response = admin_client.post(reverse("admin:products_product_add"), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    product = Product.objects.get()
    assert (product.slug, product.kind, product.gtin) == ("ca-phe-robusta-ea-tu", "goods", "8934567890120")
    assert list(product.origin_communes.all()) == [producer.commune]
    assert list(product.links.values_list("kind", "url")) == [("shopee", "https://shopee.vn/ca-phe-robusta")]


def test_a_wrong_check_digit_and_a_wrong_kind_show_as_form_errors(admin_client, producer, coffee):
    response = admin_client.post(reverse("admin:products_product_add"), _form(producer, coffee, gtin="8934567890128"))
    assert response.status_code == 200
    assert "gtin" in response.context["adminform"].form.errors
    response = admin_client.post(reverse("admin:products_product_add"), _form(producer, coffee, kind="service"))
    assert "kind" in response.context["adminform"].form.errors
    assert not Product.objects.exists()


def test_a_link_to_the_wrong_marketplace_is_an_inline_error(admin_client, producer, coffee):
    data = _form(producer, coffee, **{**_inline_management("links", 1), "links-0-kind": "tiki",
                                      "links-0-url": "https://example.com/x"})
    response = admin_client.post(reverse("admin:products_product_add"), data)
    assert response.status_code == 200
    links = next(inline.formset for inline in response.context["inline_admin_formsets"]
                 if inline.formset.prefix == "links")
    assert "url" in links.errors[0]
    assert not Product.objects.exists()


def test_the_change_form_shows_the_current_ocop_status(admin_client, product, rate):
    rate(product=product, decision_number="77/QĐ-UBND", decision_date=datetime.date(2025, 10, 1))
    response = admin_client.get(reverse("admin:products_product_change", args=[product.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "77/QĐ-UBND" in page and "01/10/2028" in page


def test_the_category_changelist_searches_without_diacritics(admin_client):
    url = reverse("admin:products_productcategory_changelist")
    response = admin_client.get(url, {"scheme": "148/2023", "q": "sinh vat canh"})
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [ProductCategory.objects.get(scheme="148/2023",
                                                                                      code="ornamental")]
