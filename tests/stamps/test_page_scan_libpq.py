"""The resolver's scan call through libpq directly (outside transactions): the same row as through psycopg's
cursor, errors raised as Django's, a lost prepared statement or connection recovered."""

from __future__ import annotations

import datetime

import psycopg
import pytest
from django.db import DataError, connection, transaction

from apps.stamps import services

pytestmark = [pytest.mark.django_db(transaction=True, serialized_rollback=True),
              pytest.mark.usefixtures("live_database")]


def scan(stamp) -> services.PageScanRow:
    return services.record_page_scan_row(serial=stamp.serial, user_agent="Mozilla/5.0 (Linux; Android 14) Chrome/130")


def test_the_libpq_call_reads_the_row_as_the_cursor_does(stamp):
    assert not connection.in_atomic_block
    direct = scan(stamp)
    assert services._PAGE_SCAN_PREPARED.get(connection.connection) is True  # the libpq path was taken
    with transaction.atomic():  # in a transaction: psycopg's cursor (it must BEGIN first)
        through_cursor = scan(stamp)

    assert direct.outcome == through_cursor.outcome == "active"
    assert (direct.stamp_id, direct.lot_id) == (through_cursor.stamp_id, through_cursor.lot_id) == (stamp.pk,
                                                                                                  stamp.lot_id)
    assert (direct.scan_count, through_cursor.scan_count) == (1, 2)
    assert isinstance(direct.first_scanned_at, datetime.datetime) and direct.first_scanned_at.utcoffset() is not None
    assert direct.first_scanned_at == through_cursor.first_scanned_at
    assert direct.is_flagged is through_cursor.is_flagged is False
    assert direct.page_version == through_cursor.page_version and isinstance(direct.page_version, int)
    assert through_cursor.event_id > direct.event_id
    assert (direct.status_reason, direct.is_page) == ("", True)


def test_an_unknown_serial_reads_its_nulls(stamp):
    row = services.record_page_scan_row(serial="0" * 14)
    assert (row.outcome, row.stamp_id, row.lot_id, row.scan_count, row.first_scanned_at, row.is_flagged) == (
        "unknown", None, None, None, None, None)
    assert isinstance(row.event_id, int)


def test_a_statement_dropped_behind_its_back_is_prepared_again(stamp):
    scan(stamp)
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ocop_stamps_record_page_scan")
    assert scan(stamp).scan_count == 2


def test_a_lost_connection_is_replaced_and_the_scan_recorded(stamp):
    scan(stamp)
    lost = connection.connection.info.backend_pid
    settings = connection.settings_dict
    with psycopg.connect(host=settings["HOST"], port=settings["PORT"], dbname=settings["NAME"],
                         user=settings["USER"], password=settings["PASSWORD"], autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [lost])
    assert scan(stamp).scan_count == 2
    assert connection.connection.info.backend_pid != lost


def test_a_database_error_is_raised_as_djangos(stamp):
    at = datetime.datetime.now(datetime.UTC)
    with pytest.raises(DataError):  # p_max_scans is an integer
        services._execute_page_scan((stamp.serial, at, "page", "chrome", None, None, "many"))
    assert scan(stamp).scan_count == 1  # the connection is still good
