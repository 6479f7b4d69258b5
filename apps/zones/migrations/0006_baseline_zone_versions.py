"""Give every zone that existed before versioning a first version: its state when versioning started.

One set-based statement, so a database with 100,000 zones migrates in seconds.
"""

from django.db import migrations


def record_baselines(apps, schema_editor):
    zone_table = apps.get_model("zones", "RawMaterialZone")._meta.db_table
    version_table = apps.get_model("zones", "ZoneVersion")._meta.db_table
    producers_table = apps.get_model("zones", "RawMaterialZone").producers.through._meta.db_table
    schema_editor.execute(
        f"""
        INSERT INTO {version_table} (zone_id, number, action, name, kind, crop_id, geometry, area_ha, notes,
                                     producer_ids, changes, is_geometry_changed, comment, recorded_at)
        SELECT zone.id, 1, 'baseline', zone.name, zone.kind, zone.crop_id, zone.geometry, zone.area_ha, zone.notes,
               COALESCE((SELECT array_agg(link.producer_id ORDER BY link.producer_id)
                         FROM {producers_table} link WHERE link.rawmaterialzone_id = zone.id), '{{}}'),
               '{{}}'::jsonb, false, '', now()
        FROM {zone_table} zone
        WHERE NOT EXISTS (SELECT 1 FROM {version_table} version WHERE version.zone_id = zone.id)
        """  # noqa: S608 - table names come from the models, no input
    )


def remove_baselines(apps, schema_editor):
    apps.get_model("zones", "ZoneVersion").objects.filter(action="baseline").delete()


class Migration(migrations.Migration):
    dependencies = [("zones", "0005_zone_versions")]

    operations = [migrations.RunPython(record_baselines, remove_baselines)]
