from django.core.management.base import BaseCommand

from apps.stamps.services import ensure_scan_partitions


class Command(BaseCommand):
    help = "Create the monthly partitions of the stamp scan log from this month to --months months ahead."

    def add_arguments(self, parser):
        parser.add_argument("--months", type=int, default=3, help="months ahead (default 3)")

    def handle(self, *args, **options):
        created = ensure_scan_partitions(months_ahead=options["months"])
        self.stdout.write(f"{created} scan-log partition(s) created.")
