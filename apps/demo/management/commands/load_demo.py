from django.core.management.base import BaseCommand

from apps.demo.services import demo_counts, load_demo


class Command(BaseCommand):
    help = "Load the Đắk Lắk demo data set (idempotent: running it twice changes nothing)."

    def handle(self, *args, **options):
        load_demo(log=lambda message: self.stdout.write(f"  {message}"))
        totals = ", ".join(f"{kind} {count}" for kind, count in demo_counts().items())
        self.stdout.write(f"  totals: {totals}")
        self.stdout.write(self.style.SUCCESS("Demo data loaded."))
