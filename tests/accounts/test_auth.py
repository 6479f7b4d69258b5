"""Logins: rate-limited (django-axes, per user name and address), passwords never logged; API tokens; set-up."""

from __future__ import annotations

import io
import logging

import pytest
from django.core.management import call_command
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

PASSWORD = "a-long-Password-2025"
WRONG = "Sai-Mat-Khau-Bi-Mat-9"


@pytest.fixture
def lockout_after_three(settings):
    settings.AXES_FAILURE_LIMIT = 3


def _login(client, username: str, password: str, address: str = "203.0.113.7"):
    return client.post("/admin/login/?next=/admin/", {"username": username, "password": password,
                                                      "next": "/admin/"}, REMOTE_ADDR=address)


def test_a_user_is_locked_out_after_too_many_failed_logins_even_with_the_right_password(client, users,
                                                                                         lockout_after_three):
    for _attempt in range(2):
        assert _login(client, "user_commune_officer", WRONG).status_code == 200  # the form again, with an error
    assert _login(client, "user_commune_officer", WRONG).status_code == 429  # the third failure locks
    locked = _login(client, "user_commune_officer", PASSWORD)
    assert locked.status_code == 429
    assert "Đăng nhập sai quá nhiều lần" in locked.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_lockout_is_per_user_name_and_address(client, users, lockout_after_three):
    for _attempt in range(3):
        _login(client, "user_commune_officer", WRONG)
    assert _login(client, "user_provincial_office", PASSWORD).status_code == 302  # another user, same address
    client.logout()
    assert _login(client, "user_commune_officer", PASSWORD, address="198.51.100.9").status_code == 302


def test_fewer_failures_than_the_limit_do_not_lock_and_a_success_resets_them(client, users, lockout_after_three):
    for _attempt in range(2):
        _login(client, "user_commune_officer", WRONG)
    assert _login(client, "user_commune_officer", PASSWORD).status_code == 302
    client.logout()
    for _attempt in range(2):
        _login(client, "user_commune_officer", WRONG)
    assert _login(client, "user_commune_officer", PASSWORD).status_code == 302


def test_passwords_never_reach_the_logs_or_the_attempt_records(client, users, caplog, lockout_after_three):
    from axes.models import AccessAttempt

    caplog.set_level(logging.DEBUG)
    for _attempt in range(4):
        _login(client, "user_commune_officer", WRONG)
    _login(client, "user_commune_officer", PASSWORD)
    assert caplog.records  # the failures were logged …
    assert WRONG not in caplog.text and PASSWORD not in caplog.text  # … without the passwords
    for attempt in AccessAttempt.objects.all():
        assert WRONG not in attempt.post_data and PASSWORD not in attempt.post_data


def test_the_login_view_hides_the_password_from_error_reports(rf):
    from django.contrib.auth.views import LoginView
    from django.views.debug import SafeExceptionReporterFilter

    request = rf.post("/admin/login/", {"username": "x", "password": WRONG})
    LoginView.as_view()(request)
    cleansed = SafeExceptionReporterFilter().get_post_parameters(request)
    assert cleansed["password"] != WRONG


def test_api_clients_authenticate_with_a_token(world, users):
    token = Token.objects.create(user=users["producer"])
    product = world["a"].records["product"]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    response = client.patch(f"/api/v1/records/products/{product.pk}/", {"name": "Cà phê đổi tên"}, format="json")
    assert response.status_code == 200
    product.refresh_from_db()
    assert product.name == "Cà phê đổi tên"


def test_a_bad_token_is_refused_and_changes_nothing(world, users):
    product = world["a"].records["product"]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    response = client.patch(f"/api/v1/records/products/{product.pk}/", {"name": "X"}, format="json")
    assert response.status_code == 401
    product.refresh_from_db()
    assert product.name == "Cà phê a"


def test_an_anonymous_write_asks_for_a_token(world):
    response = APIClient().post("/api/v1/records/products/", {"name": "X"}, format="json")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_create_officer_sets_up_a_scoped_account(world):
    from apps.accounts.models import OfficerProfile

    out = io.StringIO()
    call_command("create_officer", "--username", "can_bo_xa", "--role", "commune_officer", "--communes",
                 world["a"].commune.code, "--set-password", stdout=out)
    profile = OfficerProfile.objects.get(user__username="can_bo_xa")
    assert profile.role == "commune_officer" and list(profile.communes.all()) == [world["a"].commune]
    assert profile.user.is_staff and not profile.user.is_superuser
    password = out.getvalue().split("password (shown once): ")[1].split()[0]
    assert profile.user.check_password(password)


def test_create_officer_links_a_producer_account_to_its_producer(world):
    from apps.accounts.models import OfficerProfile

    call_command("create_officer", "--username", "htx_a", "--role", "producer", "--producer",
                 world["a"].records["producer"].tax_code, stdout=io.StringIO())
    profile = OfficerProfile.objects.get(user__username="htx_a")
    assert profile.producer == world["a"].records["producer"]
    assert not profile.user.has_usable_password()


@pytest.mark.parametrize(("arguments", "code"), [
    (["--role", "commune_officer"], "communes_required"),
    (["--role", "producer"], "producer_required"),
    (["--role", "producer", "--producer", "0000000000"], "unknown_producer"),
    (["--role", "legacy_district_officer"], "legacy_district_required"),
    (["--role", "inspector"], "organisation_required"),
    (["--role", "commune_officer", "--communes", "99999"], "unknown_commune"),
])
def test_create_officer_refuses_a_role_without_its_scope(db, arguments, code):
    from django.contrib.auth import get_user_model
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match=code):
        call_command("create_officer", "--username", "thieu_pham_vi", *arguments, stdout=io.StringIO())
    assert not get_user_model().objects.filter(username="thieu_pham_vi").exists()


def test_demo_accounts_exist_for_every_role_in_debug_only(world, settings):
    from apps.accounts.demo import DEMO_PASSWORD, load_demo_accounts
    from apps.accounts.models import OfficerProfile

    settings.DEBUG = False
    assert load_demo_accounts(log=lambda message: None) == []
    settings.DEBUG = True
    lines: list[str] = []
    names = load_demo_accounts(log=lines.append)
    roles = set(OfficerProfile.objects.filter(user__username__in=names).values_list("role", flat=True))
    assert roles == {"provincial_admin", "provincial_office", "commune_officer", "inspector", "council_member",
                     "producer", "legacy_district_officer"}
    assert DEMO_PASSWORD in lines[0]
    assert load_demo_accounts(log=lines.append) == names  # a second run changes nothing
