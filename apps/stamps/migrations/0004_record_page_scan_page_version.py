import importlib

from django.db import migrations

# stamps_record_page_scan (migration 0003) now also returns the lot's page_version (traceability 0005), read from
# the lot row it already joins: the resolver checks its cached page against it (apps.stamps.freshness). A
# function's OUT parameters cannot change in place, so it is dropped and created again.
RECORD_PAGE_SCAN_SQL = r"""
DROP FUNCTION IF EXISTS stamps_record_page_scan(text, timestamptz, text, text, text, text, integer);

CREATE OR REPLACE FUNCTION stamps_record_page_scan(
    p_serial text, p_at timestamptz, p_kind text, p_user_agent_family text, p_gtin14 text, p_lot_code text,
    p_max_scans integer,
    OUT scan_outcome text, OUT found_stamp_id bigint, OUT found_lot_id bigint, OUT found_status text,
    OUT found_status_reason text, OUT found_scan_count integer, OUT found_first_scanned_at timestamptz,
    OUT found_is_flagged boolean, OUT new_event_id bigint, OUT found_page_version bigint
) LANGUAGE plpgsql AS $$
DECLARE
    is_counted boolean := p_kind = 'page';
    lot_code text;
    product_gtin text;
BEGIN
    SELECT s.id, s.lot_id, s.status, s.status_reason, s.scan_count, s.first_scanned_at, s.is_flagged, l.code, p.gtin,
           l.page_version
      INTO found_stamp_id, found_lot_id, found_status, found_status_reason, found_scan_count,
           found_first_scanned_at, found_is_flagged, lot_code, product_gtin, found_page_version
      FROM stamps_stamp s JOIN traceability_lot l ON l.id = s.lot_id JOIN products_product p ON p.id = l.product_id
     WHERE s.serial = p_serial;
    IF found_stamp_id IS NULL THEN
        scan_outcome := 'unknown';
    ELSIF p_lot_code IS NOT NULL AND (lot_code <> p_lot_code OR product_gtin = ''
                                      OR lpad(product_gtin, 14, '0') <> p_gtin14) THEN
        -- A real serial in someone else's URL (a copied serial on another product): logged as a mismatch.
        scan_outcome := 'mismatch';
    END IF;
    IF scan_outcome IS NOT NULL THEN
        INSERT INTO stamps_scanevent (scanned_at, stamp_id, serial, kind, outcome, is_counted, location,
                                      user_agent_family)
        VALUES (p_at, NULL, left(p_serial, 40), p_kind, scan_outcome, false, NULL, p_user_agent_family)
        RETURNING id INTO new_event_id;
        found_stamp_id := NULL;
        RETURN;
    END IF;
    scan_outcome := found_status;
    IF is_counted THEN
        UPDATE stamps_stamp s SET scan_count = s.scan_count + 1, last_scanned_at = p_at,
                                  first_scanned_at = COALESCE(s.first_scanned_at, p_at)
         WHERE s.id = found_stamp_id
        RETURNING s.scan_count, s.first_scanned_at, s.is_flagged
             INTO found_scan_count, found_first_scanned_at, found_is_flagged;
        IF NOT found_is_flagged AND found_scan_count > p_max_scans THEN
            UPDATE stamps_stamp s SET is_flagged = true, flag_reason = 'too_many_scans', flagged_at = p_at
             WHERE s.id = found_stamp_id AND NOT s.is_flagged;
            found_is_flagged := true;
        END IF;
    END IF;
    INSERT INTO stamps_scanevent (scanned_at, stamp_id, serial, kind, outcome, is_counted, location,
                                  user_agent_family)
    VALUES (p_at, found_stamp_id, left(p_serial, 40), p_kind, scan_outcome, is_counted, NULL, p_user_agent_family)
    RETURNING id INTO new_event_id;
END
$$;
"""

_PREVIOUS = importlib.import_module("apps.stamps.migrations.0003_record_page_scan_function")
RECORD_PAGE_SCAN_REVERSE_SQL = (
    "DROP FUNCTION IF EXISTS stamps_record_page_scan(text, timestamptz, text, text, text, text, integer);\n"
    + _PREVIOUS.RECORD_PAGE_SCAN_SQL)


class Migration(migrations.Migration):

    dependencies = [
        ("stamps", "0003_record_page_scan_function"),
        ("traceability", "0005_lot_page_version"),
    ]

    operations = [
        migrations.RunSQL(RECORD_PAGE_SCAN_SQL, reverse_sql=RECORD_PAGE_SCAN_REVERSE_SQL),
    ]
