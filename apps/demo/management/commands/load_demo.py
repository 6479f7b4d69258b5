from django.core.management.base import BaseCommand

from apps.demo.services import demo_counts, load_demo


class Command(BaseCommand):
    help = "Load the Đắk Lắk demo data set (idempotent: running it twice changes nothing)."

    def add_arguments(self, parser):
        parser.add_argument("--base-url", default=None,
                            help="Print the example stamp URLs on this base (default: PUBLIC_BASE_URL).")

    def handle(self, *args, **options):
        load_demo(log=lambda message: self.stdout.write(f"  {message}"), links_base_url=options["base_url"])
        totals = ", ".join(f"{kind} {count}" for kind, count in demo_counts().items())
        self.stdout.write(f"  totals: {totals}")
        self.stdout.write(self.style.SUCCESS("Demo data loaded."))
