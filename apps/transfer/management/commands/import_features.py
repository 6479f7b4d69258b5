"""Import zones, facilities or sales points from a GIS file: dry run by default, --commit to save all or nothing."""

from __future__ import annotations

import sys

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from apps.common.errors import DomainError
from apps.transfer import crs as crs_catalogue
from apps.transfer.models import ImportKind, ImportStatus
from apps.transfer.services import create_import_job, run_import


def _pairs(values: list[str], option: str) -> dict[str, str]:
    pairs = {}
    for value in values or ():
        if "=" not in value:
            raise CommandError(f"{option} takes source=our_field or our_field=value, not {value!r}")
        left, right = value.split("=", 1)
        pairs[left.strip()] = right.strip()
    return pairs


class Command(BaseCommand):
    help = "Import zones, facilities or sales points from GeoJSON, KML/KMZ, GPX, zipped Shapefile, GeoPackage or CSV."

    def add_arguments(self, parser) -> None:
        parser.add_argument("file")
        parser.add_argument("--kind", required=True, choices=ImportKind.values)
        parser.add_argument("--crs", default="", help="source system when the file has none: "
                                                      + ", ".join(crs_catalogue.CATALOGUE))
        parser.add_argument("--map", action="append", default=[], metavar="SOURCE_FIELD=OUR_FIELD",
                            help="map a source field to one of ours (repeatable); unmapped fields are guessed")
        parser.add_argument("--set", action="append", default=[], metavar="OUR_FIELD=VALUE",
                            help="value for one of our fields when the source has none (e.g. crop=ca-phe)")
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument("--dry-run", action="store_true", default=True, help="check only (default)")
        mode.add_argument("--commit", action="store_true", help="save every feature, or none if one is rejected")
        parser.add_argument("--quiet-features", action="store_true", help="print only the summary")
        parser.add_argument("--user", default="", help="import as this user, within their role and scope "
                                                       "(default: the system, with every right)")

    def _bar(self, done: int, total: int) -> None:
        if not total:
            return
        width = 40
        filled = int(width * done / total)
        sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
        if done >= total:
            sys.stderr.write("\n")
        sys.stderr.flush()

    def handle(self, *args, **options) -> None:
        mapping = {ours: source for source, ours in _pairs(options["map"], "--map").items()}
        user = None
        if options["user"]:
            user = get_user_model().objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(f"no user named {options['user']!r}")
        try:
            job = create_import_job(kind=options["kind"], file=options["file"], crs=options["crs"],
                                    mapping=mapping, defaults=_pairs(options["set"], "--set"), user=user)
            self.stdout.write(f"{job.original_name}: {job.progress_total} features, "
                              f"CRS {job.crs or job.detected_crs or '?'}, mapping {job.mapping}")
            job = run_import(job=job, commit=options["commit"], progress=self._bar, user=user)
        except DomainError as error:
            raise CommandError(error.message) from error
        if job.status == ImportStatus.FAILED:
            raise CommandError(job.error)
        for entry in job.report["features"]:
            if options["quiet_features"] and entry["status"] != "rejected":
                continue
            reasons = "; ".join(reason["message"] for reason in entry["reasons"])
            extra = []
            if entry["duplicate_of"]:
                extra.append(f"duplicate of {entry['duplicate_of']}")
            if entry["overlaps"]:
                extra.append("overlaps " + ", ".join(str(overlap.get("code") or f"#{overlap['feature']}")
                                                     for overlap in entry["overlaps"]))
            line = f"#{entry['index']} {entry['status']} {entry['name']} {reasons} {' '.join(extra)}"
            self.stdout.write(line.rstrip())
        summary = job.report["summary"]
        self.stdout.write(f"{job.get_status_display()}: {summary['valid']} valid, {summary['repaired']} repaired, "
                          f"{summary['rejected']} rejected, {summary['duplicates']} duplicates, "
                          f"{summary['overlapping']} overlapping ({job.report['method'].replace('_', '-')} path)")
        if job.status == ImportStatus.REFUSED:
            raise CommandError("nothing was saved: fix the rejected features and run again")
