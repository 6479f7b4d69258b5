from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from apps.common.errors import DomainError
from apps.stamps import outputs, rendering, selectors, services
from apps.traceability.models import Lot

FORMATS = ("pdf", "csv", "png", "svg")


def find_lot(reference: str) -> Lot:
    """A lot by id, by "product-slug/LOTCODE", or by its code when only one product uses it."""
    lots = Lot.objects.select_related("product")
    if reference.isdigit() and lots.filter(pk=int(reference)).exists():
        return lots.get(pk=int(reference))
    if "/" in reference:
        slug, code = reference.split("/", 1)
        match = lots.filter(product__slug=slug, code=code).first()
        if match is not None:
            return match
    matches = list(lots.filter(code=reference)[:2])
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise CommandError(f"Several products have a lot {reference!r}: use its id or product-slug/{reference}.")
    raise CommandError(f"No lot {reference!r} (give an id, a lot code or product-slug/LOTCODE).")


class Command(BaseCommand):
    help = "Issue a run of QR stamps for a lot and write its outputs (PDF sheet, CSV manifest, PNG/SVG per stamp)."

    def add_arguments(self, parser):
        parser.add_argument("--lot", required=True, help="lot id, lot code, or product-slug/LOTCODE")
        parser.add_argument("--count", type=int, required=True, help="number of stamps (1 to 1,000,000)")
        parser.add_argument("--formats", default="pdf,csv", help="comma-separated: pdf, csv, png, svg")
        parser.add_argument("--out", default=".", help="output directory (created if missing)")
        parser.add_argument("--error-correction", default="M", choices=rendering.ERROR_LEVELS)
        parser.add_argument("--stamp-size", type=float, default=rendering.DEFAULT_OPTIONS["stamp_size_mm"],
                            help="stamp size in mm")
        parser.add_argument("--margin", type=float, default=rendering.DEFAULT_OPTIONS["margin_mm"],
                            help="page margin in mm")
        parser.add_argument("--gap", type=float, default=rendering.DEFAULT_OPTIONS["gap_mm"],
                            help="gap between stamps in mm")

    def handle(self, *args, **options):
        formats = [item.strip().lower() for item in options["formats"].split(",") if item.strip()]
        unknown = sorted(set(formats) - set(FORMATS))
        if unknown:
            raise CommandError(f"Unknown format(s): {', '.join(unknown)} (use {', '.join(FORMATS)}).")
        lot = find_lot(options["lot"])
        out = Path(options["out"])
        out.mkdir(parents=True, exist_ok=True)
        try:
            run = services.issue_stamp_run(lot=lot, count=options["count"], options={
                "error_correction": options["error_correction"], "stamp_size_mm": options["stamp_size"],
                "margin_mm": options["margin"], "gap_mm": options["gap"]})
        except DomainError as error:
            raise CommandError(f"{error.code}: {error.message}") from error
        self.stdout.write(f"Run {run.pk}: {run.count} stamps for {lot}.")
        stem = f"stamps-run-{run.pk}"
        if "pdf" in formats:
            path = out / f"{stem}.pdf"
            with path.open("wb") as handle:
                for chunk in outputs.run_sheet(run):
                    handle.write(chunk)
            self.stdout.write(f"  {path}")
        if "csv" in formats:
            path = out / f"{stem}.csv"
            with path.open("w", encoding="utf-8", newline="") as handle:
                handle.writelines(outputs.run_manifest(run))
            self.stdout.write(f"  {path}")
        prefix = selectors.run_prefix(run)
        level = run.options["error_correction"]
        for kind in ("png", "svg"):
            if kind not in formats:
                continue
            folder = out / f"{stem}-{kind}"
            folder.mkdir(exist_ok=True)
            for sequence, serial, _status in selectors.run_items(run):
                render = rendering.png_bytes if kind == "png" else rendering.svg_bytes
                (folder / f"{sequence:07d}-{serial}.{kind}").write_bytes(render(prefix + serial,
                                                                                error_correction=level))
            self.stdout.write(f"  {folder}/")
