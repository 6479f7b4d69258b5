"""Record and e-mail reminders for OCOP certificates that expire within 90 / 30 days (idempotent)."""

from __future__ import annotations

import datetime

from django.core.management.base import BaseCommand, CommandError

from apps.evaluation.services import send_expiry_reminders


class Command(BaseCommand):
    help = "Record and e-mail reminders for OCOP certificates expiring within 90 / 30 days; safe to run daily."

    def add_arguments(self, parser):
        parser.add_argument("--today", help="Run as if today were this date (YYYY-MM-DD).")

    def handle(self, *args, **options):
        today = None
        if options["today"]:
            try:
                today = datetime.date.fromisoformat(options["today"])
            except ValueError as exc:
                raise CommandError(f"--today={options['today']!r} is not a date (YYYY-MM-DD).") from exc
        reminders = send_expiry_reminders(today=today)
        for reminder in reminders:
            self.stdout.write(f"{reminder.rating.product} — {reminder.rating.decision_number}: "
                              f"{reminder.days_ahead} days (valid until {reminder.valid_until:%d/%m/%Y}) "
                              f"→ {reminder.recipients or '-'}")
        self.stdout.write(f"{len(reminders)} reminder(s) recorded.")
