import datetime
from decimal import Decimal

from django.db import migrations

SOURCE = ("Regulation (EU) 2023/1115, art. 2(28) and 9(1)(d): a point for plots up to 4 ha, polygons above; "
          "EU information system guidance: GeoJSON in WGS 84, 6 decimals, at most 25 MB per statement")


def seed(apps, schema_editor):
    EudrProfile = apps.get_model("transfer", "EudrProfile")
    EudrProfile.objects.get_or_create(
        valid_from=datetime.date(2023, 6, 29),
        defaults={"point_max_area_ha": Decimal("4"), "max_file_bytes": 25 * 1024 * 1024, "coordinate_decimals": 6,
                  "country_code": "VN", "source": SOURCE},
    )


def unseed(apps, schema_editor):
    apps.get_model("transfer", "EudrProfile").objects.filter(valid_from=datetime.date(2023, 6, 29)).delete()


class Migration(migrations.Migration):
    dependencies = [("transfer", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
