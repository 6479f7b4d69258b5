"""Make the logbook append-only in the database: UPDATE and DELETE on its tables raise.

The trigger is per row, so it also refuses cascades and bulk statements. TRUNCATE is deliberately not blocked
(test-database flushes use it); only the database owner can truncate.
"""

from django.db import migrations

TABLES = ("traceability_traceevent", "traceability_traceeventlot", "traceability_traceeventattachment")

FUNCTION = """
CREATE OR REPLACE FUNCTION traceability_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the logbook is append-only: % on % is not allowed', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'integrity_constraint_violation',
              HINT = 'Record a correction event instead.';
END;
$$ LANGUAGE plpgsql;
"""

TRIGGER = """
CREATE TRIGGER traceability_append_only BEFORE UPDATE OR DELETE ON {table}
FOR EACH ROW EXECUTE FUNCTION traceability_refuse_change();
"""


def forward_sql() -> list[str]:
    return [FUNCTION] + [TRIGGER.format(table=table) for table in TABLES]


def reverse_sql() -> list[str]:
    return [f"DROP TRIGGER IF EXISTS traceability_append_only ON {table};" for table in TABLES] + [
        "DROP FUNCTION IF EXISTS traceability_refuse_change();"
    ]


class Migration(migrations.Migration):
    dependencies = [("traceability", "0002_logbook_dossier_inspections")]

    operations = [migrations.RunSQL(forward_sql(), reverse_sql())]
