"""More crops and species for the demo's coastal (old Phú Yên) and highland districts.

Reference data, editable in the admin. The largest plausible zone only catches drawings in a wrong
coordinate system, it is not an agronomic limit.
"""

from django.db import migrations

CROPS = [
    # slug, Vietnamese name, English name, EUDR commodity, largest plausible zone (ha)
    ("chanh-day", "Chanh dây", "Passion fruit", False, "1000"),
    ("chuoi", "Chuối", "Banana", False, "2000"),
    ("mia", "Mía", "Sugarcane", False, "5000"),
    ("khoai-mi", "Sắn (khoai mì)", "Cassava", False, "5000"),
    ("dua", "Dừa", "Coconut", False, "2000"),
    ("heo-den", "Lợn đen bản địa", "Local black pig", False, "500"),
    ("ca-nuoc-ngot", "Cá nước ngọt", "Freshwater fish", False, "1000"),
    ("tom", "Tôm nuôi", "Farmed shrimp", False, "2000"),
    ("tom-hum", "Tôm hùm", "Lobster", False, "500"),
    ("so-huyet", "Sò huyết", "Blood cockle", False, "1000"),
]


def seed(apps, schema_editor):
    Crop = apps.get_model("zones", "Crop")
    for slug, name, name_en, is_eudr, max_ha in CROPS:
        Crop.objects.update_or_create(slug=slug, defaults={
            "name": name, "name_en": name_en, "is_eudr_commodity": is_eudr, "max_plausible_ha": max_ha})


def unseed(apps, schema_editor):
    Crop = apps.get_model("zones", "Crop")
    Crop.objects.filter(slug__in=[row[0] for row in CROPS], zones__isnull=True,
                        growing_area_codes__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("zones", "0003_search_name")]
    operations = [migrations.RunPython(seed, unseed)]
