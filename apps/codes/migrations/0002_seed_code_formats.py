"""Seed the code formats in force.

Export formats follow the codes the Plant Protection Department publishes for export protocols
(TCCS 774:2020/BVTV growing areas, TCCS 775:2020/BVTV packing houses): ``VN-`` + province letters
+ ``OR`` (orchard / growing area) or ``PH`` (packing house) + a four-digit sequence.

Domestic formats are NOT confirmed by a published source (see DOMAIN.md). We seed a placeholder
of the same shape the officers use on paper: province letters, a 4-6 digit sequence and a suffix
``VT`` (vùng trồng) or ``DG`` (đóng gói). Replace them by adding a newer row (valid_from) through the
admin when the format is confirmed; codes already issued keep parsing because every format of a
kind is tried when proposing the next sequence.
"""

import datetime

from django.db import migrations

FORMATS = [
    {
        "kind": "growing_area_export",
        "pattern": r"^VN-(?P<letters>[A-Z]{2,3})OR-(?P<sequence>\d{4})$",
        "template": "VN-{letters}OR-{sequence:04d}",
        "example": "VN-DLOR-0017",
        "basis": "TCCS 774:2020/BVTV; export protocols (published codes, format unconfirmed)",
        "valid_from": datetime.date(2020, 1, 1),
    },
    {
        "kind": "packing_export",
        "pattern": r"^VN-(?P<letters>[A-Z]{2,3})PH-(?P<sequence>\d{4})$",
        "template": "VN-{letters}PH-{sequence:04d}",
        "example": "VN-DLPH-0001",
        "basis": "TCCS 775:2020/BVTV; export protocols (published codes, format unconfirmed)",
        "valid_from": datetime.date(2020, 1, 1),
    },
    {
        "kind": "growing_area_domestic",
        "pattern": r"^(?P<letters>[A-Z]{2,3})-(?P<sequence>\d{4,6})-VT$",
        "template": "{letters}-{sequence:04d}-VT",
        "example": "DL-0001-VT",
        "basis": "TCCS 774:2020/BVTV; Law on Crop Production art. 64 (placeholder, format unconfirmed)",
        "valid_from": datetime.date(2020, 1, 1),
    },
    {
        "kind": "packing_domestic",
        "pattern": r"^(?P<letters>[A-Z]{2,3})-(?P<sequence>\d{4,6})-DG$",
        "template": "{letters}-{sequence:04d}-DG",
        "example": "DL-0001-DG",
        "basis": "TCCS 775:2020/BVTV (placeholder, format unconfirmed)",
        "valid_from": datetime.date(2020, 1, 1),
    },
]


def seed(apps, schema_editor):
    CodeFormat = apps.get_model("codes", "CodeFormat")
    for row in FORMATS:
        CodeFormat.objects.update_or_create(kind=row["kind"], valid_from=row["valid_from"], defaults=row)


def unseed(apps, schema_editor):
    CodeFormat = apps.get_model("codes", "CodeFormat")
    for row in FORMATS:
        CodeFormat.objects.filter(kind=row["kind"], valid_from=row["valid_from"]).delete()


class Migration(migrations.Migration):
    dependencies = [("codes", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
