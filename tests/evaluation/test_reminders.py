import datetime
import io

from django.core import mail
from django.core.management import call_command

from apps.evaluation import services
from apps.evaluation.models import ExpiryReminder

# The fixture decision of 20/03/2026 is valid until 20/03/2029.
VALID_UNTIL = datetime.date(2029, 3, 20)


def _days_before(days):
    return VALID_UNTIL - datetime.timedelta(days=days)


def test_no_reminder_more_than_90_days_ahead(recognised):
    assert services.send_expiry_reminders(today=_days_before(91)) == []
    assert not ExpiryReminder.objects.exists()


def test_reminders_at_90_and_30_days_are_recorded_once_each(recognised, producer):
    producer.email = "htx@example.vn"
    producer.save()
    [first] = services.send_expiry_reminders(today=_days_before(90))
    assert (first.days_ahead, first.valid_until, first.sent_on) == (90, VALID_UNTIL, _days_before(90))
    assert services.send_expiry_reminders(today=_days_before(90)) == []
    assert services.send_expiry_reminders(today=_days_before(60)) == []
    [second] = services.send_expiry_reminders(today=_days_before(30))
    assert second.days_ahead == 30
    assert services.send_expiry_reminders(today=_days_before(5)) == []
    assert sorted(ExpiryReminder.objects.values_list("days_ahead", flat=True)) == [30, 90]
    assert len(mail.outbox) == 2 and mail.outbox[0].to == ["htx@example.vn"]
    assert "215/QĐ-UBND" in mail.outbox[0].body and "20/03/2029" in mail.outbox[0].subject


def test_a_certificate_first_seen_inside_30_days_gets_only_the_30_day_reminder(recognised):
    [reminder] = services.send_expiry_reminders(today=_days_before(20))
    assert reminder.days_ahead == 30
    assert services.send_expiry_reminders(today=_days_before(10)) == []


def test_revoked_and_superseded_certificates_get_no_reminder(recognised, office_actor):
    services.revoke_recognition(actor=office_actor, candidacy=recognised, reason="Vi phạm",
                                revoked_on=datetime.date(2026, 6, 1))
    assert services.send_expiry_reminders(today=_days_before(30)) == []


def test_the_command_is_idempotent_and_says_what_it_recorded(recognised):
    out = io.StringIO()
    call_command("send_expiry_reminders", "--today", _days_before(30).isoformat(), stdout=out)
    assert "1 reminder(s) recorded." in out.getvalue() and "Cà phê rang xay Ea Tu" in out.getvalue()
    out = io.StringIO()
    call_command("send_expiry_reminders", "--today", _days_before(30).isoformat(), stdout=out)
    assert "0 reminder(s) recorded." in out.getvalue()
    assert ExpiryReminder.objects.count() == 1
