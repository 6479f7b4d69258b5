import pytest
from django.db import OperationalError


@pytest.mark.django_db
def test_healthz_reports_database_and_postgis_versions(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"].startswith("PostgreSQL ")
    assert body["postgis"].startswith("3.")


@pytest.mark.django_db
def test_healthz_is_503_when_the_database_is_unreachable(client, monkeypatch):
    from django.db.backends.base import base

    def refuse(self):
        raise OperationalError("connection refused")

    monkeypatch.setattr(base.BaseDatabaseWrapper, "cursor", refuse)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "unreachable"


@pytest.mark.django_db
def test_home_page_is_vietnamese_by_default_and_english_on_request(client):
    response = client.get("/")
    assert response.status_code == 200
    assert 'lang="vi"' in response.content.decode()
    assert "Mỗi xã một sản phẩm" in response.content.decode()
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en")
    assert 'lang="en"' in response.content.decode()
    assert "One Commune One Product" in response.content.decode()


@pytest.mark.django_db
def test_the_language_switcher_sets_english(client):
    page = client.get("/").content.decode()
    assert 'href="/language/?language=en&amp;next=/"' in page
    response = client.get("/language/?language=en&next=/", follow=True)
    assert 'lang="en"' in response.content.decode()
    assert "One Commune One Product" in response.content.decode()


@pytest.mark.django_db
def test_the_language_switcher_ignores_unknown_languages_and_foreign_next_urls(client):
    response = client.get("/language/?language=xx&next=https://evil.example/")
    assert response.status_code == 302 and response["Location"] == "/"
    assert "django_language" not in response.cookies
    assert client.post("/language/", {"language": "en"}).status_code == 405


@pytest.mark.django_db
def test_admin_login_is_in_vietnamese_by_default(client):
    response = client.get("/admin/login/")
    assert "Đăng nhập" in response.content.decode()


@pytest.mark.django_db
def test_home_page_leads_to_the_map_near_me_and_dashboards(client):
    page = client.get("/").content.decode()
    for url, label in (("/map/", "Bản đồ"), ("/near-me/", "OCOP gần tôi"), ("/dashboards/", "Thống kê")):
        assert f'href="{url}"' in page
        assert label in page
    assert 'href="/ogc/"' in page


@pytest.mark.django_db
def test_the_home_page_links_every_officer_tool(client):
    page = client.get("/").content.decode()
    for path in ("/workspace/zones/", "/transfer/imports/", "/evaluation/boards/province/", "/inspections/new/",
                 "/reports/quarterly/", "/reports/data-quality/"):
        assert f'href="{path}"' in page
    assert "Ghi nhận chuyến kiểm tra" in page
