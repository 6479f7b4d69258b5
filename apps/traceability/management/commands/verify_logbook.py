from django.core.management.base import BaseCommand, CommandError

from apps.traceability.models import Lot
from apps.traceability.selectors import verify_chain


class Command(BaseCommand):
    help = "Verify the hash chain of every lot's logbook (or one lot); exit 1 when a chain is broken."

    def add_arguments(self, parser):
        parser.add_argument("--lot", help="Lot id, or lot code (must then be unique across products).")

    def handle(self, *args, lot=None, **options):
        lots = Lot.objects.select_related("product").order_by("pk")
        if lot:
            matches = lots.filter(pk=int(lot)) if lot.isdigit() else lots.none()
            if not matches.exists():
                matches = lots.filter(code=lot)
            if not matches.exists():
                raise CommandError(f"No lot with id or code {lot!r}.")
            if matches.count() > 1:
                raise CommandError(f"Lot code {lot!r} is used by several products; give the lot id.")
            lots = matches
        broken = 0
        for item in lots.iterator(chunk_size=500):
            result = verify_chain(item)
            label = f"{item.pk} {item.product.name} / {item.code}"
            if result.is_intact:
                self.stdout.write(f"OK      {label}: {result.event_count} events, chain intact")
            else:
                broken += 1
                bad = result.first_bad_event
                self.stdout.write(f"BROKEN  {label}: first bad event #{bad.sequence} (id {bad.pk}, {result.problem})")
        if broken:
            raise CommandError(f"{broken} logbook(s) broken.", returncode=1)
        self.stdout.write(self.style.SUCCESS("All logbooks intact."))
