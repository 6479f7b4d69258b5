"""Seed the OCOP criteria sets (Decisions 1048/QĐ-TTg of 2019 and 148/QĐ-TTg of 2023) and the council rules."""

import datetime
from decimal import Decimal

from django.db import migrations

CRITERIA_SETS = [
    {
        "code": "1048/2019",
        "decision": "Quyết định 1048/QĐ-TTg ngày 21/8/2019",
        "effective_from": datetime.date(2019, 8, 21),
        "max_part_a": Decimal(35), "max_part_b": Decimal(25), "max_part_c": Decimal(40),
    },
    {
        "code": "148/2023",
        "decision": "Quyết định 148/QĐ-TTg ngày 24/02/2023",
        "effective_from": datetime.date(2023, 2, 24),
        "max_part_a": Decimal(40), "max_part_b": Decimal(25), "max_part_c": Decimal(35),
    },
]
COMMON = {
    "min_total_5_stars": Decimal(90), "min_total_4_stars": Decimal(70), "min_total_3_stars": Decimal(50),
    "min_total_2_stars": Decimal(30), "min_recognised_stars": 3, "validity_months": 36,
}

COUNCIL_RULES = [
    ("legacy", "district", 1, 3, "Hội đồng cấp huyện đánh giá, công nhận sản phẩm 3 sao."),
    ("legacy", "province", 1, 4, "Hội đồng cấp tỉnh đánh giá, công nhận sản phẩm 3-4 sao."),
    ("legacy", "national", 5, 5, "Hội đồng cấp Trung ương đánh giá, công nhận sản phẩm 5 sao."),
    ("2025", "province", 1, 4, "Từ 01/7/2025: xã đề xuất; Hội đồng cấp tỉnh đánh giá, UBND tỉnh công nhận 3-4 sao."),
    ("2025", "national", 5, 5, "Từ 01/7/2025: sản phẩm đạt từ 90 điểm được Bộ Nông nghiệp và Môi trường công nhận 5 sao."),
]


def seed(apps, schema_editor):
    CriteriaSet = apps.get_model("ratings", "CriteriaSet")
    CouncilRule = apps.get_model("ratings", "CouncilRule")
    for values in CRITERIA_SETS:
        CriteriaSet.objects.update_or_create(code=values["code"], defaults={**values, **COMMON})
    for era, council_level, min_stars, max_stars, note in COUNCIL_RULES:
        CouncilRule.objects.update_or_create(
            era=era, council_level=council_level,
            defaults={"min_stars": min_stars, "max_stars": max_stars, "note": note},
        )


def unseed(apps, schema_editor):
    CriteriaSet = apps.get_model("ratings", "CriteriaSet")
    CouncilRule = apps.get_model("ratings", "CouncilRule")
    CriteriaSet.objects.filter(code__in=[values["code"] for values in CRITERIA_SETS], ratings__isnull=True).delete()
    for era, council_level, *_rest in COUNCIL_RULES:
        CouncilRule.objects.filter(era=era, council_level=council_level).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("ratings", "0002_council_rules"),
    ]

    operations = [
        migrations.RunPython(seed, unseed),
    ]
