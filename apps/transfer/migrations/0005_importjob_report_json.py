"""Store import reports as ``json`` (the text, checked) instead of ``jsonb``: a report is read and written whole.

Saving a 10,000-feature report (~1.5 MB) took ~35 ms more as ``jsonb``, converted to its binary form and back. The
column gets its compression back (LZ4 where the server has it, as migration 0004 set it).
"""

from importlib import import_module

from django.db import migrations

import apps.transfer.models

# A new type drops the column's compression: set it again as 0004 did.
lz4 = import_module("apps.transfer.migrations.0004_importjob_report_lz4")


class Migration(migrations.Migration):

    dependencies = [
        ('transfer', '0004_importjob_report_lz4'),
    ]

    operations = [
        migrations.RunSQL(migrations.RunSQL.noop, lz4.TO_LZ4),  # undoing: back to jsonb, then LZ4 again
        migrations.AlterField(
            model_name='importjob',
            name='report',
            field=apps.transfer.models.DocumentJSONField(blank=True, default=dict, verbose_name='report'),
        ),
        migrations.RunSQL(lz4.TO_LZ4, migrations.RunSQL.noop),
    ]
