from django.core.management.base import BaseCommand, CommandError

from apps.common.errors import DomainError
from apps.territory.models import Era
from apps.territory.services import import_admin_boundaries


class Command(BaseCommand):
    help = "Attach boundary polygons (GeoJSON, Shapefile, GeoPackage…) to administrative units by official code."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--era", default=Era.CURRENT, choices=Era.values)
        parser.add_argument("--code-field", default="code", help="Attribute holding the official code.")
        parser.add_argument("--layer", default="0", help="Layer index or name (default: the first).")

    def handle(self, *args, file, era, code_field, layer, **options):
        layer_ref = int(layer) if layer.isdigit() else layer
        try:
            result = import_admin_boundaries(path=file, era=era, code_field=code_field, layer=layer_ref)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        attached, repaired = len(result.attached), len(result.repaired)
        self.stdout.write(self.style.SUCCESS(f"Attached {attached} boundaries ({repaired} repaired)."))
        if result.unmatched:
            self.stdout.write(self.style.WARNING(f"{len(result.unmatched)} features matched no unit: "
                                                 + ", ".join(result.unmatched[:50])))
