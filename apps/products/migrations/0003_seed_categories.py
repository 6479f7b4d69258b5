"""Seed the OCOP product classification of both criteria sets (industry → group → sub-group).

1048/2019: Decision 1048/QĐ-TTg (2019), six industries as listed in the Đắk Lắk OCOP scheme 2021-2025.
148/2023: Decision 148/QĐ-TTg (2023): food, beverages, herbal, handicrafts, ornamental plants and animals,
community tourism / eco-tourism / tourist sites. Sub-groups are editable data (check against the decisions).
"""

from django.db import migrations

GOODS, SERVICE = "goods", "service"

# (code suffix, Vietnamese name, English name, children)
TREE_1048_2019 = [
    ("food", "Thực phẩm", "Food", [
        ("fresh", "Thực phẩm tươi sống", "Fresh food", [
            ("produce", "Rau, củ, quả, hạt tươi", "Fresh vegetables, tubers, fruit and nuts"),
            ("meat_eggs_milk", "Thịt, trứng, sữa tươi", "Fresh meat, eggs and milk"),
        ]),
        ("raw_preprocessed", "Thực phẩm thô, sơ chế", "Raw and pre-processed food", [
            ("rice_grains", "Gạo, ngũ cốc", "Rice and cereals"),
            ("honey", "Mật ong, sản phẩm từ mật ong", "Honey and honey products"),
            ("produce", "Rau, củ, quả, hạt sơ chế", "Pre-processed vegetables, tubers, fruit and nuts"),
            ("meat_eggs_milk", "Thịt, trứng, sữa sơ chế", "Pre-processed meat, eggs and milk"),
        ]),
        ("processed", "Thực phẩm chế biến", "Processed food", [
            ("fast_food", "Đồ ăn nhanh", "Fast food"),
            ("rice_grains", "Chế biến từ gạo, ngũ cốc", "Processed from rice and cereals"),
            ("produce", "Chế biến từ rau, củ, quả, hạt", "Processed from vegetables, tubers, fruit and nuts"),
            ("meat_eggs_milk", "Chế biến từ thịt, trứng, sữa", "Processed from meat, eggs and milk"),
            ("aquatic", "Chế biến từ thủy, hải sản", "Processed from fish and seafood"),
        ]),
        ("spices", "Gia vị", "Spices and condiments", [
            ("liquid", "Tương, nước mắm, gia vị dạng lỏng khác", "Sauces, fish sauce and other liquid condiments"),
            ("other", "Gia vị khác", "Other spices"),
        ]),
        ("tea", "Chè", "Tea", [
            ("tea", "Chè tươi, chè chế biến", "Fresh and processed tea"),
            ("other", "Sản phẩm khác từ chè", "Other tea products"),
        ]),
        ("coffee_cocoa", "Cà phê, ca cao", "Coffee and cocoa", []),
    ]),
    ("beverages", "Đồ uống", "Beverages", [
        ("alcoholic", "Đồ uống có cồn", "Alcoholic beverages", [
            ("white_spirits", "Rượu trắng", "White spirits"),
            ("other", "Đồ uống có cồn khác", "Other alcoholic beverages"),
        ]),
        ("non_alcoholic", "Đồ uống không cồn", "Non-alcoholic beverages", []),
    ]),
    ("herbal", "Thảo dược", "Herbal products", [
        ("health", "Thực phẩm chức năng, thuốc từ dược liệu, thuốc y học cổ truyền",
         "Functional food, herbal and traditional medicine", [
             ("functional_food", "Thực phẩm chức năng", "Functional food"),
             ("herbal_medicine", "Thuốc từ dược liệu, thuốc y học cổ truyền", "Herbal and traditional medicine"),
         ]),
        ("cosmetics", "Mỹ phẩm", "Cosmetics", []),
        ("medical_devices", "Trang thiết bị, dụng cụ y tế", "Medical equipment and devices", []),
        ("other", "Thảo dược khác", "Other herbal products", []),
    ]),
    ("handicrafts", "Thủ công mỹ nghệ, trang trí", "Handicrafts and decoration", [
        ("decorative", "Thủ công mỹ nghệ, trang trí", "Decorative handicrafts", []),
        ("household", "Thủ công mỹ nghệ gia dụng", "Household handicrafts", []),
    ]),
    ("textiles", "Vải và may mặc", "Textiles and garments", [
        ("cotton_fibre", "Sản phẩm làm từ bông, sợi", "Products made of cotton and fibre", []),
    ]),
    ("tourism", "Dịch vụ du lịch nông thôn và bán hàng", "Rural tourism services and sales", [
        ("community_sites", "Dịch vụ du lịch cộng đồng và điểm du lịch", "Community tourism and tourist sites", []),
    ]),
]

TREE_148_2023 = [
    ("food", "Thực phẩm", "Food", [
        ("fresh", "Nông, thủy sản tươi sống", "Fresh agricultural and aquatic products", [
            ("produce", "Rau, củ, quả, hạt tươi", "Fresh vegetables, tubers, fruit and nuts"),
            ("meat_eggs_milk", "Thịt, trứng, sữa tươi", "Fresh meat, eggs and milk"),
            ("aquatic", "Thủy, hải sản tươi sống", "Fresh fish and seafood"),
        ]),
        ("preprocessed", "Nông, thủy sản sơ chế", "Pre-processed agricultural and aquatic products", [
            ("rice_grains", "Gạo, ngũ cốc", "Rice and cereals"),
            ("honey", "Mật ong, sản phẩm từ mật ong", "Honey and honey products"),
            ("produce", "Rau, củ, quả, hạt sơ chế", "Pre-processed vegetables, tubers, fruit and nuts"),
            ("meat_aquatic", "Thịt, thủy, hải sản sơ chế", "Pre-processed meat, fish and seafood"),
        ]),
        ("processed", "Thực phẩm chế biến", "Processed food", [
            ("fast_food", "Đồ ăn nhanh", "Fast food"),
            ("rice_grains", "Chế biến từ gạo, ngũ cốc", "Processed from rice and cereals"),
            ("produce", "Chế biến từ rau, củ, quả, hạt", "Processed from vegetables, tubers, fruit and nuts"),
            ("meat_eggs_milk", "Chế biến từ thịt, trứng, sữa", "Processed from meat, eggs and milk"),
            ("aquatic", "Chế biến từ thủy, hải sản", "Processed from fish and seafood"),
        ]),
        ("spices", "Gia vị", "Spices and condiments", [
            ("liquid", "Tương, nước mắm, gia vị dạng lỏng khác", "Sauces, fish sauce and other liquid condiments"),
            ("other", "Gia vị khác", "Other spices"),
        ]),
        ("tea", "Chè", "Tea", [
            ("tea", "Chè tươi, chè chế biến", "Fresh and processed tea"),
            ("other", "Sản phẩm khác từ chè", "Other tea products"),
        ]),
        ("coffee_cocoa", "Cà phê, ca cao", "Coffee and cocoa", []),
        ("other", "Thực phẩm khác", "Other food", []),
    ]),
    ("beverages", "Đồ uống", "Beverages", [
        ("alcoholic", "Đồ uống có cồn", "Alcoholic beverages", [
            ("white_spirits", "Rượu trắng", "White spirits"),
            ("other", "Đồ uống có cồn khác", "Other alcoholic beverages"),
        ]),
        ("non_alcoholic", "Đồ uống không cồn", "Non-alcoholic beverages", []),
    ]),
    ("herbal", "Dược liệu và sản phẩm từ dược liệu", "Medicinal herbs and herbal products", [
        ("functional_food", "Sản phẩm chức năng", "Functional products", []),
        ("medicine", "Thuốc dược liệu, thuốc y học cổ truyền", "Herbal and traditional medicine", []),
        ("cosmetics", "Mỹ phẩm có thành phần từ thảo dược", "Cosmetics with herbal ingredients", []),
        ("essential_oils_other", "Tinh dầu và dược liệu khác", "Essential oils and other herbal products", []),
    ]),
    ("handicrafts", "Thủ công mỹ nghệ", "Handicrafts", [
        ("decorative", "Đồ lưu niệm, đồ trang trí", "Souvenirs and decoration", []),
        ("household", "Đồ gia dụng", "Household articles", []),
        ("textiles", "Dệt may, thêu ren", "Textiles, embroidery and lace", []),
    ]),
    ("ornamental", "Sinh vật cảnh", "Ornamental plants and animals", [
        ("flowers", "Hoa", "Flowers", []),
        ("plants", "Cây cảnh", "Ornamental plants and bonsai", []),
        ("animals", "Động vật cảnh", "Ornamental animals", []),
    ]),
    ("tourism", "Dịch vụ du lịch cộng đồng, du lịch sinh thái và điểm du lịch",
     "Community tourism, eco-tourism and tourist sites", [
         ("community", "Du lịch cộng đồng", "Community tourism", []),
         ("eco", "Du lịch sinh thái", "Eco-tourism", []),
         ("sites", "Điểm du lịch", "Tourist sites", []),
     ]),
]

SCHEMES = {"1048/2019": TREE_1048_2019, "148/2023": TREE_148_2023}


def _nodes(tree):
    """Yield (code, parent code, level, name, name_en, kind) depth-first, parents before children."""
    for industry_code, name, name_en, groups in tree:
        kind = SERVICE if industry_code == "tourism" else GOODS
        yield industry_code, None, "industry", name, name_en, kind
        for group_code, group_name, group_name_en, subgroups in groups:
            code = f"{industry_code}.{group_code}"
            yield code, industry_code, "group", group_name, group_name_en, kind
            for subgroup_code, subgroup_name, subgroup_name_en in subgroups:
                yield f"{code}.{subgroup_code}", code, "subgroup", subgroup_name, subgroup_name_en, kind


def seed(apps, schema_editor):
    from apps.common.text import fold

    ProductCategory = apps.get_model("products", "ProductCategory")
    for scheme, tree in SCHEMES.items():
        ids = {}
        for code, parent_code, level, name, name_en, kind in _nodes(tree):
            category, _ = ProductCategory.objects.update_or_create(
                scheme=scheme, code=code,
                defaults={"name": name, "name_en": name_en, "level": level, "kind": kind,
                          "parent_id": ids.get(parent_code), "search_name": fold(name)},
            )
            ids[code] = category.pk


def unseed(apps, schema_editor):
    ProductCategory = apps.get_model("products", "ProductCategory")
    for scheme, tree in SCHEMES.items():
        codes = [node[0] for node in _nodes(tree)]
        for level in ("subgroup", "group", "industry"):
            ProductCategory.objects.filter(scheme=scheme, code__in=codes, level=level, products__isnull=True).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("products", "0002_category_kind_search_name"),
    ]

    operations = [
        migrations.RunPython(seed, unseed),
    ]
