"""Fixtures for the officers' zone editor: users of each role, zones and codes around Buôn Ma Thuột."""

from __future__ import annotations

import datetime
import json

import pytest
from django.contrib.gis.geos import Point

from tests.common.geo import BMT, square


@pytest.fixture
def coffee(db):
    from apps.zones.models import Crop

    return Crop.objects.get(slug="ca-phe")


@pytest.fixture
def cocoa(db):
    from apps.zones.models import Crop

    return Crop.objects.get(slug="ca-cao")


@pytest.fixture
def home_commune(db):
    """The 2025 commune whose centroid is nearest Buôn Ma Thuột (the test data has no boundaries)."""
    from apps.territory.selectors import commune_containing

    return commune_containing(Point(*BMT, srid=4326)).commune


@pytest.fixture
def far_commune(db, home_commune):
    """A commune of the same province about as far from Buôn Ma Thuột as possible."""
    from apps.common.spatial import KnnDistance
    from apps.territory.models import AdministrativeUnit, Era, Level

    return (AdministrativeUnit.objects.filter(era=Era.CURRENT, level=Level.COMMUNE, parent=home_commune.parent)
            .order_by(KnnDistance("centroid", Point(*BMT, srid=4326)).desc()).first())


def _user(django_user_model, username: str, *, role: str | None = None, communes=(), **extra):
    from apps.accounts.models import OfficerProfile

    user = django_user_model.objects.create_user(username=username, password="not-used-pw-123", **extra)
    if role:
        profile = OfficerProfile.objects.create(user=user, role=role)
        profile.communes.set(communes)
    return user


@pytest.fixture
def office(django_user_model):
    """An officer of the provincial OCOP office: may create and change zones anywhere, and attach codes."""
    return _user(django_user_model, "vanphong", role="provincial_office", first_name="Hà", last_name="Văn phòng")


@pytest.fixture
def commune_officer(django_user_model, home_commune):
    return _user(django_user_model, "canbo_xa", role="commune_officer", communes=[home_commune])


@pytest.fixture
def outsider(django_user_model):
    """A logged-in user without any role (not staff): the public."""
    return _user(django_user_model, "nguoi_ngoai")


@pytest.fixture
def office_client(client, office):
    client.force_login(office)
    return client


@pytest.fixture
def make_zone(coffee):
    from apps.zones.services import change_zone_status, create_zone

    def make(*, name="Vùng cà phê Ea Tu", side_m=500, dx_m=0.0, dy_m=0.0, crop=None, status="active", at=BMT):
        zone = create_zone(name=name, kind="cultivation", crop=crop or coffee,
                           geometry=square(*at, side_m, dx_m=dx_m, dy_m=dy_m))
        if status == "active":
            zone = change_zone_status(zone=zone, to_status="active", effective_date=datetime.date.today())
        return zone

    return make


@pytest.fixture
def issue_code(coffee):
    from apps.zones.services import issue_growing_area_code

    def issue(zones, *, code=None):
        return issue_growing_area_code(
            code=code, code_type="export", crop=coffee, province_letters="DL",
            issuing_authority="Chi cục Trồng trọt và BVTV Đắk Lắk", issue_date=datetime.date(2025, 9, 1),
            target_markets=["CN"], zones=zones,
        )

    return issue


@pytest.fixture
def draft(coffee):
    """The JSON body of the editor for a zone: attributes plus a GeoJSON geometry."""

    def make(geometry, **fields):
        body = {"name": "Vùng cà phê mới", "kind": "cultivation", "crop": coffee.pk, "producers": [], "code": "",
                "commune": "", "notes": "", "comment": "",
                "geometry": json.loads(geometry.geojson) if hasattr(geometry, "geojson") else geometry}
        body.update(fields)
        return body

    return make


@pytest.fixture
def post_json(client):
    def post(url: str, body: dict, *, as_client=None):
        return (as_client or client).post(url, data=json.dumps(body), content_type="application/json")

    return post


from tests.live import live_database  # noqa: E402, F401 - the live-server tests' fixture
from tests.maps.test_browser import browser  # noqa: E402, F401 - headless Chromium, shared with the map tests
