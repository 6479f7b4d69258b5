"""Seed the crops and species of Đắk Lắk's raw-material zones.

``is_eudr_commodity`` follows Annex I of Regulation (EU) 2023/1115 (cattle, cocoa, coffee, oil palm,
rubber, soya, wood). ``max_plausible_ha`` is the largest single zone we accept before suspecting a
unit or projection mistake (a zone digitised in the wrong CRS easily comes out 1,000× too big); it is
a sanity bound for data entry, not a legal limit, and officers can change it in the admin.
"""

from decimal import Decimal

from django.db import migrations

CROPS = [
    # slug, Vietnamese name, English name, EUDR commodity, largest plausible zone (ha)
    ("ca-phe", "Cà phê", "Coffee", True, "5000"),
    ("ca-cao", "Ca cao", "Cocoa", True, "1000"),
    ("sau-rieng", "Sầu riêng", "Durian", False, "2000"),
    ("ho-tieu", "Hồ tiêu", "Black pepper", False, "2000"),
    ("mac-ca", "Mắc ca", "Macadamia", False, "2000"),
    ("dieu", "Điều", "Cashew", False, "5000"),
    ("qua-bo", "Bơ", "Avocado", False, "1000"),
    ("lua", "Lúa", "Rice", False, "5000"),
    ("che", "Chè", "Tea", False, "1000"),
    ("cao-su", "Cao su", "Rubber", True, "10000"),
    ("mat-ong-rung", "Mật ong rừng", "Wild honey", False, "50000"),
    ("lam-san-ngoai-go", "Lâm sản ngoài gỗ", "Non-timber forest products", False, "50000"),
    ("bo-chan-nuoi", "Bò (chăn nuôi)", "Cattle", True, "5000"),
    ("de-chan-nuoi", "Dê (chăn nuôi)", "Goats", False, "2000"),
]


def seed(apps, schema_editor):
    Crop = apps.get_model("zones", "Crop")
    for slug, name, name_en, is_eudr, max_ha in CROPS:
        Crop.objects.update_or_create(slug=slug, defaults={
            "name": name, "name_en": name_en, "is_eudr_commodity": is_eudr, "max_plausible_ha": Decimal(max_ha),
        })


def unseed(apps, schema_editor):
    Crop = apps.get_model("zones", "Crop")
    Crop.objects.filter(slug__in=[row[0] for row in CROPS], zones__isnull=True,
                        growing_area_codes__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("zones", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
