"""Structured opening hours, so "open now" can be computed in Asia/Ho_Chi_Minh time.

Format (stored as JSON): ``{"mon": [["07:00", "21:00"]], "sat": [["18:00", "02:00"]], ...}`` with day keys
mon..sun, each a list of ``[opens, closes]`` pairs in 24-hour ``HH:MM``. A pair whose closing time is not
after its opening time runs past midnight into the next day (``["18:00", "02:00"]``); ``["00:00", "24:00"]``
is all day. A missing day is closed.
"""

from __future__ import annotations

import datetime
import re
import zoneinfo

from django.utils.translation import gettext as _

from apps.common.errors import DomainError

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
LOCAL_TIME_ZONE = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")
_TIME = re.compile(r"^(?:[01]\d|2[0-3]):[0-5]\d$|^24:00$")


class OpeningHoursError(DomainError):
    default_code = "invalid_opening_hours"


def _minutes(text: str) -> int:
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


def validate_opening_hours(hours: dict | None, *, field_name: str = "opening_hours") -> dict:
    """Return ``hours`` if well formed, else raise :class:`OpeningHoursError` naming the day and problem."""
    if not hours:
        return {}
    if not isinstance(hours, dict):
        raise OpeningHoursError("not_a_mapping", _("Opening hours must map days to time ranges."), field=field_name)
    for day, ranges in hours.items():
        if day not in DAYS:
            raise OpeningHoursError("unknown_day", _("Unknown day %(day)s (use mon … sun).") % {"day": day},
                                    field=field_name)
        if not isinstance(ranges, list):
            raise OpeningHoursError("bad_ranges", _("%(day)s: a list of [opens, closes] is expected.") % {"day": day},
                                    field=field_name)
        for pair in ranges:
            if not (isinstance(pair, list | tuple) and len(pair) == 2 and all(isinstance(t, str) and _TIME.match(t)
                                                                              for t in pair)):
                raise OpeningHoursError(
                    "bad_time", _("%(day)s: %(pair)s is not a pair of HH:MM times.") % {"day": day, "pair": pair},
                    field=field_name,
                )
            if pair[0] == pair[1]:
                raise OpeningHoursError("empty_range", _("%(day)s: opening and closing times are equal.")
                                        % {"day": day}, field=field_name)
    return hours


def is_open(hours: dict | None, at: datetime.datetime) -> bool:
    """Whether a place with ``hours`` is open at ``at`` (aware datetime; compared in Vietnam's local time)."""
    if not hours:
        return False
    local = at.astimezone(LOCAL_TIME_ZONE)
    now = local.hour * 60 + local.minute
    today = DAYS[local.weekday()]
    yesterday = DAYS[(local.weekday() - 1) % 7]
    for opens, closes in hours.get(today, []):
        start, end = _minutes(opens), _minutes(closes)
        if end > start and start <= now < end:
            return True
        if end <= start and now >= start:  # runs past midnight: the evening part
            return True
    for opens, closes in hours.get(yesterday, []):
        start, end = _minutes(opens), _minutes(closes)
        if end <= start and now < end:  # yesterday's range that runs past midnight
            return True
    return False
