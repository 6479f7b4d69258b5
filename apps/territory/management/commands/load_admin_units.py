import time

from django.core.management.base import BaseCommand, CommandError

from apps.common.errors import DomainError
from apps.territory.services import load_admin_units


class Command(BaseCommand):
    help = "Load administrative units of both eras (legacy and 2025) from the vietnamadminunits package."

    def add_arguments(self, parser):
        parser.add_argument("--province", default="66", help="2025 province code (default 66, Đắk Lắk).")
        parser.add_argument("--all", action="store_true", help="Load the whole country.")

    def handle(self, *args, province, all, **options):
        started = time.monotonic()
        try:
            result = load_admin_units(province_code=None if all else province)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        for key, count in sorted(result.totals.items()):
            self.stdout.write(f"  {key:22} {count:6}")
        self.stdout.write(
            self.style.SUCCESS(
                f"Loaded administrative units: {result.created['2025']} new (2025), {result.created['legacy']} new "
                f"(legacy), {result.mappings} legacy→current mappings in {time.monotonic() - started:.1f}s."
            )
        )
