from django.core.management.base import BaseCommand

from apps.demo.services import load_demo


class Command(BaseCommand):
    help = "Load the Đắk Lắk demo data set (idempotent: running it twice changes nothing)."

    def handle(self, *args, **options):
        load_demo(log=lambda message: self.stdout.write(f"  {message}"))
        self.stdout.write(self.style.SUCCESS("Demo data loaded."))
