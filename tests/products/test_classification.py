import pytest

from apps.products.models import ProductCategory
from apps.products.selectors import categories, industries

pytestmark = pytest.mark.django_db


def test_the_2019_classification_has_the_six_industries_of_decision_1048():
    assert [(node.code, node.name) for node in industries(scheme="1048/2019")] == [
        ("beverages", "Đồ uống"),
        ("food", "Thực phẩm"),
        ("handicrafts", "Thủ công mỹ nghệ, trang trí"),
        ("herbal", "Thảo dược"),
        ("textiles", "Vải và may mặc"),
        ("tourism", "Dịch vụ du lịch nông thôn và bán hàng"),
    ]
    food_groups = categories(scheme="1048/2019", level="group").filter(parent__code="food")
    assert {group.code for group in food_groups} == {
        "food.fresh", "food.raw_preprocessed", "food.processed", "food.spices", "food.tea", "food.coffee_cocoa",
    }
    herbal = ProductCategory.objects.filter(scheme="1048/2019", code__startswith="herbal.")
    assert {"Thực phẩm chức năng", "Mỹ phẩm", "Trang thiết bị, dụng cụ y tế", "Thảo dược khác"} <= {
        node.name for node in herbal}
    assert set(categories(scheme="1048/2019").filter(code__startswith="beverages.", level="group")
               .values_list("name_en", flat=True)) == {"Alcoholic beverages", "Non-alcoholic beverages"}


def test_the_2023_classification_groups_by_decision_148_with_ornamentals():
    assert {node.code: node.name_en for node in industries(scheme="148/2023")} == {
        "food": "Food",
        "beverages": "Beverages",
        "herbal": "Medicinal herbs and herbal products",
        "handicrafts": "Handicrafts",
        "ornamental": "Ornamental plants and animals",
        "tourism": "Community tourism, eco-tourism and tourist sites",
    }
    ornamental = ProductCategory.objects.get(scheme="148/2023", code="ornamental")
    assert ornamental.name == "Sinh vật cảnh"
    assert {child.name for child in ornamental.children.all()} == {"Hoa", "Cây cảnh", "Động vật cảnh"}


def test_every_node_hangs_under_the_right_parent_and_only_tourism_classifies_services():
    for node in ProductCategory.objects.filter(scheme__in=["1048/2019", "148/2023"]):
        if node.level == "industry":
            assert node.parent is None
        else:
            assert node.parent.scheme == node.scheme
            assert node.code.startswith(node.parent.code + ".")
            assert {"group": "industry", "subgroup": "group"}[node.level] == node.parent.level
        assert node.kind == ("service" if node.industry.code == "tourism" else "goods")
        assert node.search_name and node.name_en


def test_the_same_stable_code_exists_in_both_schemes_as_separate_nodes():
    nodes = ProductCategory.objects.filter(code="food.coffee_cocoa")
    assert sorted(nodes.values_list("scheme", flat=True)) == ["1048/2019", "148/2023"]
    assert all(node.industry.code == "food" for node in nodes)
