"""Drop index upkeep that serves no query (each was paid on every zone saved, 10,000 at a time by imports).

- ``zones_zoneversion.zone_id``: the unique (zone, number) constraint's index starts with it;
- ``zones_zoneversion.geometry`` (GiST): versions are read by zone and number, never searched by place;
- ``zones_zoneversion.restored_from_id``: kept only for the versions that are restores (a partial index);
- ``zones_rawmaterialzone.search_name``: the ``varchar_pattern_ops`` twin goes (searches use ``contains``, which
  no B-tree serves); the plain B-tree for equality (duplicates by name) stays.
"""

import django.contrib.gis.db.models.fields
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('producers', '0001_initial'),
        ('territory', '0001_initial'),
        ('zones', '0006_baseline_zone_versions'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name='rawmaterialzone',
            name='search_name',
            field=models.CharField(default='', editable=False, max_length=200),
        ),
        migrations.AlterField(
            model_name='zoneversion',
            name='geometry',
            field=django.contrib.gis.db.models.fields.MultiPolygonField(spatial_index=False, srid=4326, verbose_name='geometry'),
        ),
        migrations.AlterField(
            model_name='zoneversion',
            name='restored_from',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='zones.zoneversion', verbose_name='restored from'),
        ),
        migrations.AlterField(
            model_name='zoneversion',
            name='zone',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='versions', to='zones.rawmaterialzone', verbose_name='zone'),
        ),
        migrations.AddIndex(
            model_name='rawmaterialzone',
            index=models.Index(fields=['search_name'], name='zones_zone_search_name_idx'),
        ),
        migrations.AddIndex(
            model_name='zoneversion',
            index=models.Index(condition=models.Q(('restored_from__isnull', False)), fields=['restored_from'], name='zones_version_restored_idx'),
        ),
    ]
