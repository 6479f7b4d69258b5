import datetime

import pytest
from django.db import connection, transaction
from django.db.utils import DatabaseError
from django.utils import timezone

from apps.stamps import services
from apps.stamps.models import FlagReason, ScanEvent, ScanKind, Stamp

PHONE = "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/126.0 Mobile Safari/537.36"
BUON_MA_THUOT = (12.67, 108.04)
HO_CHI_MINH_CITY = (10.78, 106.70)  # about 260 km away
HANOI = (21.03, 105.85)  # about 1,000 km away


def test_the_first_check_is_reported_as_first_and_later_ones_count_up(stamp):
    first = services.record_scan(stamp=stamp, serial=stamp.serial, user_agent=PHONE)
    assert first.is_first_scan and first.scan_count == 1
    stamp.refresh_from_db()
    later = services.record_scan(stamp=stamp, serial=stamp.serial, user_agent=PHONE)
    assert not later.is_first_scan and later.scan_count == 2
    assert later.first_scanned_at == stamp.first_scanned_at
    stamp.refresh_from_db()
    assert stamp.scan_count == 2
    event = ScanEvent.objects.filter(stamp=stamp).order_by("id").first()
    assert event.user_agent_family == "Chrome" and event.is_counted and event.location is None


def test_link_preview_bots_are_logged_but_do_not_use_up_the_first_check(stamp):
    result = services.record_scan(stamp=stamp, serial=stamp.serial, user_agent="facebookexternalhit/1.1")
    stamp.refresh_from_db()
    assert stamp.scan_count == 0 and not result.is_first_scan
    assert ScanEvent.objects.get(stamp=stamp).kind == ScanKind.PREVIEW


def test_two_scans_500_km_apart_within_ten_minutes_flag_the_stamp(stamp):
    start = timezone.now() - datetime.timedelta(minutes=10)
    services.record_scan(stamp=stamp, serial=stamp.serial, location=services.coarse_point(*BUON_MA_THUOT), at=start)
    stamp.refresh_from_db()
    result = services.record_scan(stamp=stamp, serial=stamp.serial, location=services.coarse_point(*HANOI),
                                  at=start + datetime.timedelta(minutes=10))
    stamp.refresh_from_db()
    assert result.is_flagged
    assert stamp.is_flagged and stamp.flag_reason == FlagReason.IMPOSSIBLE_TRAVEL


def test_a_plausible_journey_does_not_flag_the_stamp(stamp):
    start = timezone.now() - datetime.timedelta(hours=6)
    services.record_scan(stamp=stamp, serial=stamp.serial, location=services.coarse_point(*BUON_MA_THUOT), at=start)
    stamp.refresh_from_db()
    services.record_scan(stamp=stamp, serial=stamp.serial, location=services.coarse_point(*HO_CHI_MINH_CITY),
                         at=start + datetime.timedelta(hours=5))
    stamp.refresh_from_db()
    assert not stamp.is_flagged


def test_more_scans_than_the_setting_allows_flag_the_stamp(stamp, settings):
    settings.STAMPS_CLONE_MAX_SCANS = 3
    for _ in range(3):
        services.record_scan(stamp=stamp, serial=stamp.serial)
        stamp.refresh_from_db()
    assert not stamp.is_flagged
    services.record_scan(stamp=stamp, serial=stamp.serial)
    stamp.refresh_from_db()
    assert stamp.is_flagged and stamp.flag_reason == FlagReason.TOO_MANY_SCANS


def test_shared_locations_are_rounded_to_about_a_kilometre():
    place = services.coarse_point("12.676543", "108.043219")
    assert (place.y, place.x) == (12.68, 108.04)
    assert services.coarse_point("91", "10") is None and services.coarse_point("", "") is None


def test_user_agent_families_keep_no_detail():
    assert services.user_agent_family("Mozilla/5.0 ... Zalo/23.09 ZaloTheme/light") == "Zalo"
    assert services.user_agent_family("Mozilla/5.0 (iPhone) ... [FBAN/FBIOS;FBAV/430.0]") == "Facebook"
    assert services.user_agent_family("Googlebot/2.1") == "bot"
    assert services.user_agent_family("") == ""


def test_the_scan_log_refuses_update_and_delete_in_sql(stamp):
    services.record_scan(stamp=stamp, serial=stamp.serial)
    for statement in ("UPDATE stamps_scanevent SET serial = 'X'", "DELETE FROM stamps_scanevent"):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)
    assert ScanEvent.objects.filter(stamp=stamp).count() == 1


def test_scans_land_in_their_monthly_partition(stamp):
    now = timezone.now()
    services.record_scan(stamp=stamp, serial=stamp.serial, at=now)
    with connection.cursor() as cursor:
        cursor.execute("SELECT tableoid::regclass::text FROM stamps_scanevent WHERE stamp_id = %s", [stamp.pk])
        assert cursor.fetchone()[0] == f"stamps_scanevent_{now.astimezone(datetime.UTC):%Y_%m}"


def test_new_partitions_take_over_rows_the_default_partition_caught(stamp):
    far = datetime.datetime(2031, 5, 17, 12, tzinfo=datetime.UTC)
    services.record_scan(stamp=stamp, serial=stamp.serial, at=far)
    with connection.cursor() as cursor:
        cursor.execute("SELECT tableoid::regclass::text FROM stamps_scanevent WHERE scanned_at = %s", [far])
        assert cursor.fetchone()[0] == "stamps_scanevent_default"
        cursor.execute("SELECT stamps_ensure_scan_partitions(0, '2031-05-01')")
        assert cursor.fetchone()[0] == 1
        cursor.execute("SELECT tableoid::regclass::text FROM stamps_scanevent WHERE scanned_at = %s", [far])
        assert cursor.fetchone()[0] == "stamps_scanevent_2031_05"
    assert ScanEvent.objects.filter(stamp=stamp).count() == 1


def test_the_partition_command_is_idempotent(db):
    from django.core.management import call_command

    call_command("create_scan_partitions", "--months", "5")
    assert services.ensure_scan_partitions(months_ahead=5) == 0


def test_an_officer_can_clear_a_flag(stamp):
    Stamp.objects.filter(pk=stamp.pk).update(is_flagged=True, flag_reason=FlagReason.TOO_MANY_SCANS,
                                             flagged_at=timezone.now())
    cleared = services.clear_stamp_flag(stamp=stamp)
    assert not cleared.is_flagged and cleared.flag_reason == ""
