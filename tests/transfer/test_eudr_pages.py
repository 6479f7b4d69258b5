"""EUDR downloads and pages for lots, shipments and producers, scoped by the accounts app's rules."""

import csv
import datetime
import io
import json
import zipfile
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.producers.models import LegalForm, Producer
from apps.products.models import ClassificationLevel, Product, ProductCategory
from apps.traceability.services import create_lot, record_event
from apps.zones.models import Crop
from apps.zones.services import create_zone
from tests.common.admin import change_url
from tests.transfer.conftest import account, communes_far_apart, square_in


class World:
    """Two producers in two communes, a coffee lot each, and producer A's shipment carrying both lots."""

    def __init__(self):
        self.home, self.elsewhere = communes_far_apart(2)
        coffee, pepper = Crop.objects.get(slug="ca-phe"), Crop.objects.get(slug="ho-tieu")
        category = ProductCategory.objects.create(scheme="test", code="T-COFFEE", name="Cà phê (thử)",
                                                  level=ClassificationLevel.INDUSTRY)
        self.a = self._producer("HTX Cà phê A", "6001000001", self.home)
        self.b = self._producer("HTX Cà phê B", "6001000002", self.elsewhere)
        self.zone_a = create_zone(name="Rẫy A1", kind="cultivation", crop=coffee, geometry=square_in(self.home, 300),
                                  producers=[self.a])
        self.pepper_a = create_zone(name="Rẫy tiêu A2", kind="cultivation", crop=pepper, producers=[self.a],
                                    geometry=square_in(self.home, 100, dx_m=2000))
        self.zone_b = create_zone(name="Rẫy B1", kind="cultivation", crop=coffee, producers=[self.b],
                                  geometry=square_in(self.elsewhere, 150))
        self.lot_a = self._lot(category, self.a, "LA-01", [self.zone_a])
        self.lot_b = self._lot(category, self.b, "LB-01", [self.zone_b])
        self.shipment = record_event(lot=self.lot_a, biz_step="shipping", objects=[self.lot_a, self.lot_b],
                                     event_time=timezone.now() - datetime.timedelta(hours=1))
        self.harvest = record_event(lot=self.lot_a, biz_step="harvesting",
                                    event_time=timezone.now() - datetime.timedelta(days=30))

    @staticmethod
    def _producer(name: str, tax_code: str, commune) -> Producer:
        return Producer.objects.create(name=name, legal_form=LegalForm.COOPERATIVE, tax_code=tax_code,
                                       commune=commune, slug=f"htx-{tax_code}", search_name=name.lower())

    @staticmethod
    def _lot(category, producer, code, zones):
        product = Product.objects.create(name=f"Cà phê nhân {code}", category=category, producer=producer,
                                         slug=f"ca-phe-{code.lower()}")
        return create_lot(product=product, code=code, production_date=datetime.date(2025, 11, 1),
                          zone_shares=[(zone, Decimal(100) / len(zones)) for zone in zones])


@pytest.fixture
def world(db):
    return World()


def _login(client, django_user_model, role: str, *, communes=(), producer=None):
    client.force_login(account(django_user_model, f"user-{role}", role, communes=communes, producer=producer))
    return client


def _zip(response) -> tuple[list[dict], list[dict]]:
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        features = [feature for name in archive.namelist() if name.endswith(".geojson")
                    for feature in json.loads(archive.read(name))["features"]]
        failures_name = next(name for name in archive.namelist() if name.endswith("-failures.csv"))
        failures = list(csv.DictReader(io.StringIO(archive.read(failures_name).decode("utf-8"))))
    return features, failures


def test_a_producer_downloads_its_shipment_without_the_lots_of_others(client, django_user_model, world):
    _login(client, django_user_model, "producer", producer=world.a)

    response = client.get(reverse("transfer:eudr-shipment", args=[world.shipment.pk]))

    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert f'filename="eudr-shipment-{world.shipment.pk}.zip"' in response["Content-Disposition"]
    features, failures = _zip(response)
    assert [feature["properties"]["ProducerName"] for feature in features] == ["HTX Cà phê A"]
    assert [(failure["plot"], failure["code"]) for failure in failures] == [("lot LB-01", "outside_scope")]
    assert "LB-01" in failures[0]["reason"]


def test_the_provincial_office_downloads_every_plot_of_a_shipment(client, django_user_model, world):
    _login(client, django_user_model, "provincial_office")

    response = client.get(reverse("transfer:eudr-shipment", args=[world.shipment.pk]))

    assert response["Content-Type"] == "application/geo+json"  # one file, nothing failed: plain GeoJSON
    names = sorted(feature["properties"]["ProducerName"] for feature in json.loads(response.content)["features"])
    assert names == ["HTX Cà phê A", "HTX Cà phê B"]


def test_another_producer_may_not_download_the_shipment_and_only_shipments_have_one(client, django_user_model,
                                                                                    world):
    _login(client, django_user_model, "producer", producer=world.b)

    assert client.get(reverse("transfer:eudr-shipment", args=[world.shipment.pk])).status_code == 403
    assert client.get(reverse("transfer:eudr-report", args=["shipments", world.shipment.pk])).status_code == 403
    client.force_login(django_user_model.objects.create_superuser("admin", password="a-long-password-42"))
    assert client.get(reverse("transfer:eudr-shipment", args=[world.harvest.pk])).status_code == 404


def test_a_commune_officer_downloads_the_producers_of_its_communes_only(client, django_user_model, world):
    _login(client, django_user_model, "commune_officer", communes=[world.home])

    response = client.get(reverse("transfer:eudr-producer", args=[world.a.pk]))

    assert response.status_code == 200
    features, failures = _zip(response)  # the pepper plot fails: a zip with the failure report
    assert [feature["properties"]["Area"] for feature in features] == [float(world.zone_a.area_ha)]
    assert [failure["code"] for failure in failures] == ["not_eudr_commodity"]
    assert client.get(reverse("transfer:eudr-producer", args=[world.b.pk])).status_code == 403


def test_a_council_member_may_not_download_a_producers_plots(client, django_user_model, world):
    _login(client, django_user_model, "council_member")

    assert client.get(reverse("transfer:eudr-producer", args=[world.a.pk])).status_code == 403


def test_the_report_page_lists_the_failing_plots_and_links_the_download(client, django_user_model, world):
    _login(client, django_user_model, "producer", producer=world.a)

    page = client.get(reverse("transfer:eudr-report", args=["producers", world.a.pk]))

    assert page.status_code == 200
    text = page.content.decode()
    assert "Rẫy tiêu A2" in text and "not_eudr_commodity" in text
    assert "EUDR" in text and reverse("transfer:eudr-producer", args=[world.a.pk]) + "?zip=1" in text


def test_the_admin_pages_of_a_lot_a_shipment_and_a_producer_link_their_eudr_page(client, django_user_model, world):
    client.force_login(django_user_model.objects.create_superuser("admin", password="a-long-password-42"))

    for record, target in ((world.lot_a, "lots"), (world.shipment, "shipments"), (world.a, "producers")):
        page = client.get(change_url(record)).content.decode()
        assert reverse("transfer:eudr-report", args=[target, record.pk]) in page, target
    harvest_page = client.get(change_url(world.harvest)).content.decode()
    assert "/transfer/eudr/" not in harvest_page


def test_the_producer_admin_page_shows_no_eudr_link_to_an_officer_of_another_commune(client, django_user_model,
                                                                                     world):
    officer = account(django_user_model, "officer-b", "commune_officer", communes=[world.elsewhere])
    officer.is_staff = True
    officer.save()
    client.force_login(officer)

    page = client.get(change_url(world.a))

    assert page.status_code == 200  # producers are published: the officer may view the page
    assert "/transfer/eudr/" not in page.content.decode()
