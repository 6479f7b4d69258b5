import pytest

from apps.products.models import Product, ProductCategory, ProductLink
from apps.products.services import (
    ProductError,
    add_product_link,
    add_product_photo,
    register_product,
    update_product,
    update_product_link,
)

pytestmark = pytest.mark.django_db


def test_registering_fills_slug_search_name_kind_and_origin_from_the_producer(producer, coffee):
    product = register_product(name="Cà phê Buôn Ma Thuột Ea Tu", category=coffee, producer=producer)
    product.refresh_from_db()
    assert product.slug == "ca-phe-buon-ma-thuot-ea-tu"
    assert product.search_name == "ca phe buon ma thuot ea tu"
    assert product.kind == "goods"
    assert list(product.origin_communes.all()) == [producer.commune]


def test_same_names_get_disambiguated_slugs(producer, coffee):
    first = register_product(name="Cà phê bột", category=coffee, producer=producer)
    second = register_product(name="Cà phê bột", category=coffee, producer=producer)
    assert (first.slug, second.slug) == ("ca-phe-bot", "ca-phe-bot-2")


def test_origin_communes_must_be_2025_communes(producer, coffee, other_commune, legacy_commune):
    product = register_product(name="Sầu riêng", category=coffee, producer=producer,
                               origin_communes=[producer.commune, other_commune])
    assert set(product.origin_communes.all()) == {producer.commune, other_commune}
    with pytest.raises(ProductError) as error:
        register_product(name="Bơ", category=coffee, producer=producer, origin_communes=[legacy_commune])
    assert (error.value.code, error.value.field) == ("origin_not_current_commune", "origin_communes")


def test_a_tourism_category_makes_a_service_and_a_goods_kind_is_refused_there(producer, community_tourism, coffee):
    service = register_product(name="Du lịch cộng đồng Buôn Akô Dhông", category=community_tourism, producer=producer)
    assert service.kind == "service"
    with pytest.raises(ProductError) as error:
        register_product(name="Homestay", category=community_tourism, producer=producer, kind="goods")
    assert (error.value.code, error.value.field) == ("kind_category_mismatch", "kind")
    with pytest.raises(ProductError) as error:
        register_product(name="Cà phê", category=coffee, producer=producer, kind="service")
    assert error.value.code == "kind_category_mismatch"
    assert Product.objects.count() == 1


def test_an_industry_with_groups_is_too_broad_to_classify_a_product(producer):
    food = ProductCategory.objects.get(scheme="148/2023", code="food")
    with pytest.raises(ProductError) as error:
        register_product(name="Cà phê", category=food, producer=producer)
    assert (error.value.code, error.value.field) == ("category_too_broad", "category")


def test_a_valid_gtin_is_stored_and_a_wrong_check_digit_is_refused(producer, coffee):
    product = register_product(name="Cà phê hạt", category=coffee, producer=producer, gtin="8934567890120")
    product.refresh_from_db()
    assert product.gtin == "8934567890120"
    with pytest.raises(ProductError) as error:
        register_product(name="Cà phê phin", category=coffee, producer=producer, gtin="8934567890128")
    assert (error.value.code, error.value.field) == ("invalid_gtin_check_digit", "gtin")


def test_a_gtin_is_optional_and_a_foreign_prefix_is_accepted(producer, coffee):
    assert register_product(name="A", category=coffee, producer=producer).gtin == ""
    assert register_product(name="B", category=coffee, producer=producer, gtin="4006381333931").gtin == "4006381333931"


def test_the_same_gtin_in_another_length_identifies_one_product_only(producer, coffee):
    register_product(name="Cà phê hạt", category=coffee, producer=producer, gtin="8934567890120")
    with pytest.raises(ProductError) as error:
        register_product(name="Cà phê hạt 2", category=coffee, producer=producer, gtin="08934567890120")
    assert (error.value.code, error.value.field) == ("duplicate_gtin", "gtin")


def test_updating_the_name_and_category_recomputes_slug_search_name_and_kind(product, community_tourism):
    updated = update_product(product=product, name="Trải nghiệm cà phê Ea Tu", category=community_tourism)
    updated.refresh_from_db()
    assert (updated.slug, updated.search_name, updated.kind) == (
        "trai-nghiem-ca-phe-ea-tu", "trai nghiem ca phe ea tu", "service")


def test_updating_keeps_the_own_gtin_and_tags_are_folded(product):
    update_product(product=product, gtin="8934567890120")
    updated = update_product(product=product, gtin="8934567890120", tags=["Cà phê", "ca phe", "Quà tặng"])
    updated.refresh_from_db()
    assert updated.gtin == "8934567890120"
    assert updated.tags == ["ca phe", "qua tang"]


def test_marketplace_links_must_point_to_the_marketplace(product):
    link = add_product_link(product=product, kind="shopee", url="https://shopee.vn/ca-phe-ea-tu-i.1.2")
    assert link.pk and product.links.count() == 1
    with pytest.raises(ProductError) as error:
        add_product_link(product=product, kind="tiki", url="https://example.com/ca-phe")
    assert (error.value.code, error.value.field) == ("link_host_mismatch", "url")
    with pytest.raises(ProductError) as error:
        add_product_link(product=product, kind="shopee", url="https://shopee.vn/ca-phe-ea-tu-i.1.2")
    assert error.value.code == "duplicate_link"
    assert add_product_link(product=product, kind="website", url="https://htx-eatu.vn/").kind == "website"
    update_product_link(link=link, kind="lazada", url="https://www.lazada.vn/products/ca-phe.html")
    link.refresh_from_db()
    assert (link.kind, link.url) == ("lazada", "https://www.lazada.vn/products/ca-phe.html")
    assert ProductLink.objects.filter(product=product).count() == 2


def test_a_link_that_is_not_a_web_address_is_refused(product):
    with pytest.raises(ProductError) as error:
        add_product_link(product=product, kind="website", url="javascript:alert(1)")
    assert error.value.code == "invalid_url"


def test_photos_are_appended_in_order(product, tmp_path, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    gif = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00" \
          b"\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
    first = add_product_photo(product=product, image=SimpleUploadedFile("a.gif", gif, "image/gif"), caption="Gói 500g")
    second = add_product_photo(product=product, image=SimpleUploadedFile("b.gif", gif, "image/gif"))
    assert [first.position, second.position] == [0, 1]
    assert list(product.photos.all()) == [first, second]
