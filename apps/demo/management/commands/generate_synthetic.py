from django.core.management.base import BaseCommand, CommandError

from apps.common.errors import DomainError
from apps.demo.synthetic import EXTENTS, clear_synthetic, generate_synthetic


class Command(BaseCommand):
    help = "Insert a large synthetic set of zones and sales points (names start with SYN-) for benchmarks."

    def add_arguments(self, parser):
        parser.add_argument("--zones", type=int, default=0, help="number of synthetic raw-material zones")
        parser.add_argument("--points", type=int, default=0, help="number of synthetic sales points")
        parser.add_argument("--seed", type=int, default=None, help="seed for PostgreSQL's random()")
        parser.add_argument("--extent", choices=EXTENTS, default="province",
                            help="spread rows around the home province's communes or the whole country's")
        parser.add_argument("--clear", action="store_true", help="delete existing synthetic rows first")

    def handle(self, *args, zones, points, seed, extent, clear, **options):
        if clear:
            removed = clear_synthetic()
            self.stdout.write(f"removed {removed['zones']} synthetic zones and {removed['points']} sales points")
        if not zones and not points:
            return
        try:
            result = generate_synthetic(zones=zones, points=points, seed=seed, extent=extent)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(self.style.SUCCESS(
            f"inserted {result.zones} zones and {result.points} sales points in {result.seconds:.2f} s "
            f"({result.rows_per_second:,.0f} rows/s)"
        ))
