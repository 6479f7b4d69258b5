import pytest

from apps.products.models import ProductCategory
from apps.products.selectors import products
from apps.products.services import register_product

pytestmark = pytest.mark.django_db


def test_products_are_found_by_folded_name_and_by_a_whole_category_branch(producer, product):
    honey = ProductCategory.objects.get(scheme="148/2023", code="food.preprocessed.honey")
    honey_product = register_product(name="Mật ong hoa cà phê", category=honey, producer=producer)
    food = ProductCategory.objects.get(scheme="148/2023", code="food")
    preprocessed = ProductCategory.objects.get(scheme="148/2023", code="food.preprocessed")
    assert list(products(query="MAT ONG")) == [honey_product]
    assert set(products(category=food)) == {product, honey_product}
    assert list(products(category=preprocessed)) == [honey_product]
    assert list(products(category=ProductCategory.objects.get(scheme="1048/2019", code="food"))) == []
    assert list(products(origin_commune=producer.commune, kind="goods", query="ca phe rang")) == [product]
