"""Store import reports compressed with LZ4 where the server has it (PostgreSQL 14+ built with lz4).

A 10,000-feature report is ~1.4 MB of JSON; pglz, the default, takes ~18 ms to compress it on every save, lz4 ~2 ms
(same size within a few per cent). Without lz4 the column keeps the server's default: nothing changes.
"""

from django.db import migrations

TO_LZ4 = """
DO $$
BEGIN
    IF current_setting('server_version_num')::int >= 140000 AND EXISTS (
        SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression' AND 'lz4' = ANY(enumvals)) THEN
        EXECUTE 'ALTER TABLE transfer_importjob ALTER COLUMN report SET COMPRESSION lz4';
    END IF;
END
$$;
"""
TO_DEFAULT = """
DO $$
BEGIN
    IF current_setting('server_version_num')::int >= 140000 THEN
        EXECUTE 'ALTER TABLE transfer_importjob ALTER COLUMN report SET COMPRESSION DEFAULT';
    END IF;
END
$$;
"""


class Migration(migrations.Migration):
    dependencies = [("transfer", "0003_importjob_source_description")]

    operations = [migrations.RunSQL(TO_LZ4, TO_DEFAULT)]
