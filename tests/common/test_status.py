import datetime

import pytest

from apps.common.errors import DomainError
from apps.zones.services import change_zone_status

pytestmark = pytest.mark.django_db


def test_an_unknown_status_is_refused_before_anything_is_written(make_zone):
    zone = make_zone()
    with pytest.raises(DomainError) as caught:
        change_zone_status(zone=zone, to_status="archived", effective_date=datetime.date.today())
    assert caught.value.code == "unknown_status"
    assert zone.status_history.count() == 1
