import secrets

from django.core.management.base import BaseCommand, CommandError

from apps.accounts.models import Role
from apps.accounts.services import set_up_account
from apps.common.errors import DomainError


class Command(BaseCommand):
    help = "Create or update an officer or producer account with its role and scope (prints a new password)."

    def add_arguments(self, parser):
        parser.add_argument("--username", required=True)
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--communes", default="", help="Comma-separated 2025 commune codes (commune officers).")
        parser.add_argument("--legacy-district", default="", help="Legacy district code (legacy district officers).")
        parser.add_argument("--producer", default="", help="Tax number of the producer (producer accounts).")
        parser.add_argument("--organisation", default="", help="Inspection / certifying body (inspectors).")
        parser.add_argument("--email", default="")
        parser.add_argument("--set-password", action="store_true",
                            help="Give the account a new random password and print it once.")

    def handle(self, *args, **options):
        password = secrets.token_urlsafe(12) if options["set_password"] else None
        try:
            profile = set_up_account(
                username=options["username"], role=options["role"], communes=options["communes"].split(","),
                legacy_district=options["legacy_district"], producer=options["producer"],
                organisation=options["organisation"], email=options["email"], password=password,
            )
        except DomainError as error:
            raise CommandError(f"{error.code}: {error.message}") from error
        self.stdout.write(self.style.SUCCESS(f"{profile.user.username}: {profile.get_role_display()}"))
        if password:
            self.stdout.write(f"password (shown once): {password}")
        self.stdout.write("API token: manage.py drf_create_token " + profile.user.username)
