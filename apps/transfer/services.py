"""Imports (nhập dữ liệu): create a job from a file, map its fields, dry-run it, commit it all or nothing.

Every feature goes through the registry's own services (``create_zone``, ``register_packing_facility``,
``register_production_facility``, ``create_sales_point``), so an import follows exactly the rules of a
form. A dry run runs the same calls in a transaction that is rolled back; a commit keeps them only when
no feature was rejected. Zone files of ``OCOP_IMPORT_BULK_THRESHOLD`` features or more take the set-based path
of :mod:`apps.transfer.bulk`, which reaches the same saved rows and the same report. Every write passes the
permission checks of :mod:`apps.transfer.permissions`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import numpy
import shapely
from django.conf import settings
from django.core.files import File
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.common.errors import DomainError
from apps.common.geometry import AREAL, POINT, GeometryError, normalize_geometry
from apps.facilities.services import register_packing_facility, register_production_facility
from apps.outlets.services import create_sales_point
from apps.transfer import crs as crs_catalogue
from apps.transfer.fields import TARGET_FIELDS, ValueError_, guess_mapping, name_in_file, read_values
from apps.transfer.models import ImportJob, ImportKind, ImportStatus
from apps.transfer.permissions import ImportGuard
from apps.transfer.sources import (
    RawFeature,
    SourceError,
    SourceFile,
    inspect_source,
    read_features,
    track_gap_m,
)
from apps.zones.models import RawMaterialZone
from apps.zones.selectors import overlapping_active_codes
from apps.zones.services import assign_zones_to_code, create_zone

ProgressCallback = Callable[[int, int], None]
# A feature is a duplicate of an existing zone with the same name covering this share of its area.
DUPLICATE_ZONE_SHARE = 0.5


class ImportError_(DomainError):  # noqa: N801 - a DomainError, not the builtin
    default_code = "invalid_import"


def is_areal(kind: str) -> bool:
    return kind == ImportKind.ZONES


@transaction.atomic
def create_import_job(*, kind: str, file: File | str | Path, user=None, crs: str = "",
                      mapping: dict[str, str] | None = None, defaults: dict[str, str] | None = None) -> ImportJob:
    """Store an uploaded file, read what it holds (layers, fields, CRS) and guess the field mapping.

    Refuses unknown kinds (``unknown_kind``), unreadable or unsupported files, files over 50 MB or
    100,000 features, and unknown coordinate systems.
    """
    if kind not in ImportKind.values:
        raise ImportError_("unknown_kind", _("Unknown kind of import %(kind)s.") % {"kind": kind}, field="kind")
    if crs:
        crs_catalogue.get(crs)
    if isinstance(file, str | Path):
        path = Path(file)
        with path.open("rb") as handle:
            job = ImportJob(kind=kind, original_name=path.name, crs=crs or "", created_by=user)
            job.file.save(path.name, File(handle), save=False)
    else:
        job = ImportJob(kind=kind, original_name=Path(file.name).name, crs=crs or "", created_by=user)
        job.file.save(Path(file.name).name, file, save=False)
    source = inspect_source(job.file.path, kind_is_areal=is_areal(kind))
    job.source_description = source.description()
    job.detected_crs = source.detected_crs or ""
    job.source_fields = source.fields
    job.progress_total = source.feature_count
    guessed = guess_mapping(kind, source.fields)
    job.mapping = {**guessed, **(mapping or {})}
    job.defaults = dict(defaults or {})
    _check_mapping(job)
    job.save()
    return job


def source_of(job: ImportJob) -> SourceFile:
    """The job's file as GDAL described it at upload (opened again only for jobs stored before that was kept)."""
    if job.source_description:
        return SourceFile.from_description(job.file.path, job.source_description)
    return inspect_source(job.file.path, kind_is_areal=is_areal(job.kind))


def _check_mapping(job: ImportJob) -> None:
    ours = {target.name for target in TARGET_FIELDS[job.kind]}
    for target_name, source_name in job.mapping.items():
        if target_name not in ours:
            raise ImportError_("unknown_field", _("%(field)s is not one of our fields for this kind: %(ours)s.")
                               % {"field": target_name, "ours": ", ".join(sorted(ours))}, field="mapping")
        if source_name and source_name not in job.source_fields:
            raise ImportError_("unknown_source_field", _("The file has no field %(field)s (it has %(fields)s).")
                               % {"field": source_name, "fields": ", ".join(job.source_fields) or "∅"},
                               field="mapping")
    for target_name in job.defaults:
        if target_name not in ours:
            raise ImportError_("unknown_field", _("%(field)s is not one of our fields for this kind: %(ours)s.")
                               % {"field": target_name, "ours": ", ".join(sorted(ours))}, field="defaults")


@transaction.atomic
def update_import_mapping(*, job: ImportJob, mapping: dict[str, str], defaults: dict[str, str] | None = None,
                          crs: str | None = None) -> ImportJob:
    """Change the field mapping, default values or chosen CRS of a job that is not committed."""
    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    if job.status in (ImportStatus.COMMITTED, ImportStatus.RUNNING):
        raise ImportError_("job_closed", _("This import is %(status)s; start a new one.")
                           % {"status": job.get_status_display()})
    if crs is not None:
        if crs:
            crs_catalogue.get(crs)
        job.crs = crs
    job.mapping = {key: value for key, value in mapping.items() if value}
    if defaults is not None:
        job.defaults = {key: value for key, value in defaults.items() if value not in (None, "")}
    _check_mapping(job)
    job.save()
    return job


# --- running ------------------------------------------------------------------------------------------------------


class ProgressWriter:
    """Publish a job's progress from a thread of its own, on its own database connection.

    The import itself runs in one transaction; progress written inside it would stay invisible to the
    page polling it until the end, so a second connection writes it, at most every ``interval`` seconds.
    """

    def __init__(self, job: ImportJob, *, callback: ProgressCallback | None = None, interval: float = 0.5):
        self.job_pk, self.callback, self.interval = job.pk, callback, interval
        self.done, self.total = 0, job.progress_total
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> ProgressWriter:
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._stop.set()
        self._thread.join()

    def __call__(self, done: int, total: int) -> None:
        self.done, self.total = done, total
        if self.callback is not None:
            self.callback(done, total)

    def _write(self) -> None:
        ImportJob.objects.filter(pk=self.job_pk).update(progress_done=self.done, progress_total=self.total)

    def _run(self) -> None:
        try:
            while not self._stop.wait(self.interval):
                self._write()
            self._write()
        finally:
            connection.close()


def _rejection(error: DomainError) -> dict:
    return {"code": error.code, "message": error.message, "field": error.field}


class _Feature:
    """What a creator needs to know of the feature it saves: its position and name (for refusals), and the checks."""

    def __init__(self, index: int, name: str, guard: ImportGuard):
        self.index, self.name, self.guard = index, name, guard

    def before(self, model, producers=()) -> None:
        self.guard.before(model, index=self.index, name=self.name, producers=producers)

    def created(self, record):
        self.guard.created(record, index=self.index, name=self.name)
        return record


def _zone(values: dict, geometry, user, feature: _Feature) -> RawMaterialZone:
    feature.before(RawMaterialZone, values.get("producers", ()))
    zone = feature.created(create_zone(
        name=values["name"], kind=values["kind"], crop=values["crop"], geometry=geometry,
        producers=values.get("producers", ()), notes=values.get("notes", ""), proposed_on=values.get("proposed_on"),
        user=user))
    if values.get("code") is not None:
        feature.guard.may_change(values["code"], index=feature.index, name=feature.name)
        assign_zones_to_code(code=values["code"], zones=[zone], user=user)
    return zone


def _packing(values: dict, geometry, user, feature: _Feature):
    from apps.facilities.models import PackingFacility

    feature.before(PackingFacility, [values.get("operator_tax")])
    footprint = None
    if geometry.geom_type in ("Polygon", "MultiPolygon"):
        footprint, geometry = geometry, geometry.point_on_surface
    return feature.created(register_packing_facility(
        name=values["name"], code=values["code"], location=geometry, footprint=footprint,
        code_type=values.get("code_type", "export"), operator=values.get("operator_tax"),
        operator_name=values.get("operator_name", ""), address=values.get("address", ""),
        target_markets=values.get("target_markets", ()), capacity_tonnes_per_day=values.get("capacity_tonnes_per_day"),
        issuing_authority=values.get("issuing_authority", ""), issue_date=values.get("issue_date"), user=user))


def _production(values: dict, geometry, user, feature: _Feature):
    from apps.facilities.models import ProductionFacility

    feature.before(ProductionFacility, [values["producer"]])
    return feature.created(register_production_facility(
        name=values["name"], producer=values["producer"], location=geometry, address=values.get("address", ""),
        makes=values.get("makes", ""), user=user))


def _sales_point(values: dict, geometry, user, feature: _Feature):
    from apps.outlets.models import SalesPoint

    feature.before(SalesPoint, [values.get("operator_tax")])
    return feature.created(create_sales_point(
        name=values["name"], kind=values["kind"], location=geometry, address=values.get("address", ""),
        phone=values.get("phone", ""), operator=values.get("operator_tax"), user=user))


CREATORS = {
    ImportKind.ZONES: _zone,
    ImportKind.PACKING_FACILITIES: _packing,
    ImportKind.PRODUCTION_FACILITIES: _production,
    ImportKind.SALES_POINTS: _sales_point,
}


def duplicate_zone_error(name: str, zone_id: int) -> ImportError_:
    return ImportError_("duplicate_zone", _("A zone named %(name)s already covers this ground (#%(id)s).")
                        % {"name": name, "id": zone_id}, field="geometry")


def _duplicate_zone(name: str, geometry) -> RawMaterialZone | None:
    from django.contrib.gis.db.models.functions import Area, Intersection

    from apps.common.spatial import geography, geometry_value
    from apps.common.text import fold

    candidates = (RawMaterialZone.objects.filter(search_name=fold(name), geometry__intersects=geometry)
                  .annotate(shared=Area(geography(Intersection("geometry", geometry_value(geometry)))),
                            own=Area(geography("geometry"))))
    for zone in candidates:
        if zone.own.sq_m and zone.shared.sq_m / zone.own.sq_m >= DUPLICATE_ZONE_SHARE:
            return zone
    return None


def _check_geometry(kind: str, feature: RawFeature):
    if feature.error is not None:
        raise feature.error
    if feature.geometry is None:
        raise GeometryError("empty", _("The feature has no geometry."), field="geometry")
    if is_areal(kind) and feature.geometry.geom_type in ("LineString", "MultiLineString"):
        gap = track_gap_m(feature.geometry)
        raise GeometryError("open_track", _("The track is not closed: its ends are %(gap)s m apart, so it does not "
                                            "outline an area.") % {"gap": round(gap or 0)}, field="geometry")
    if kind == ImportKind.PACKING_FACILITIES and feature.geometry.geom_type in ("Polygon", "MultiPolygon"):
        return normalize_geometry(feature.geometry, kind=AREAL)
    return normalize_geometry(feature.geometry, kind=AREAL if is_areal(kind) else POINT)


def _process_feature(job: ImportJob, feature: RawFeature, cache: dict, user, guard: ImportGuard) -> dict:
    name_field = job.mapping.get("name")
    entry = {"index": feature.index, "status": "valid", "reasons": [], "notes": list(feature.notes),
             "name": name_in_file(feature.properties.get(name_field) if name_field else None, job.defaults),
             "duplicate_of": None, "overlaps": []}
    try:
        values = read_values(job.kind, feature.properties, job.mapping, job.defaults, cache)
        entry["name"] = values.get("name", "")
        normalized = _check_geometry(job.kind, feature)
        if normalized.is_repaired:
            entry["status"] = "repaired"
            entry["notes"] += [str(note) for note in normalized.notes]
        geometry = normalized.geometry
        if job.kind == ImportKind.ZONES:
            duplicate = _duplicate_zone(values["name"], geometry)
            if duplicate is not None:
                entry["duplicate_of"] = duplicate.name
                raise duplicate_zone_error(duplicate.name, duplicate.pk)
            entry["overlaps"] = [{"code": overlap.code.code, "area_m2": round(overlap.area_m2, 1)}
                                 for overlap in overlapping_active_codes(geometry)]
        elif job.kind == ImportKind.PACKING_FACILITIES:
            from apps.facilities.models import PackingFacility

            if PackingFacility.objects.filter(code=str(values["code"]).strip().upper()).exists():
                entry["duplicate_of"] = str(values["code"]).strip().upper()
        with transaction.atomic():  # a savepoint: a refused feature leaves nothing half-written
            record = CREATORS[job.kind](values, geometry, user, _Feature(feature.index, entry["name"], guard))
        entry["id"] = record.pk
    except (DomainError, ValueError_) as error:
        entry["status"] = "rejected"
        entry["reasons"].append(_rejection(error))
    return entry


def overlapping_pairs(shapes: dict[int, shapely.Geometry]) -> list[tuple[int, int]]:
    """The pairs of features (by index, the first before the second, in order) whose areas overlap.

    Touching is not overlapping. Between two features the answer does not depend on the others: the pairs of a
    subset of ``shapes`` are those of ``shapes`` between features of the subset.
    """
    indexes = list(shapes)
    if len(indexes) < 2:
        return []
    geometries = numpy.array([shapes[index] for index in indexes], dtype=object)
    tree = shapely.STRtree(geometries)
    left, right = tree.query(geometries, predicate="intersects")  # fast (prepared); overlaps implies intersects
    pairs = left < right
    left, right = left[pairs], right[pairs]
    overlapping = shapely.overlaps(geometries[left], geometries[right])
    left, right = left[overlapping], right[overlapping]
    order = numpy.lexsort((right, left))
    return [(indexes[first], indexes[second]) for first, second in zip(left[order].tolist(), right[order].tolist(),
                                                                       strict=True)]


def note_overlaps_within_file(entries: list[dict], pairs: list[tuple[int, int]]) -> None:
    """Add to each feature's overlaps the features of the file it overlaps, in the order of ``pairs``."""
    by_index = {entry["index"]: entry for entry in entries}
    for first, second in pairs:
        by_index[first]["overlaps"].append({"feature": second})
        by_index[second]["overlaps"].append({"feature": first})


def _overlaps_within_file(entries: list[dict], shapes: dict[int, shapely.Geometry]) -> None:
    """Note features of the file that overlap each other (areas only; touching is not overlapping)."""
    note_overlaps_within_file(entries, overlapping_pairs(shapes))


def _summary(entries: list[dict]) -> dict:
    counts = {"valid": 0, "repaired": 0, "rejected": 0}
    for entry in entries:
        counts[entry["status"]] += 1
    counts["duplicates"] = sum(1 for entry in entries if entry["duplicate_of"])
    counts["overlapping"] = sum(1 for entry in entries if entry["overlaps"])
    counts["total"] = len(entries)
    return counts


def bulk_threshold() -> int:
    """Zone files with at least this many features take the set-based path (``OCOP_IMPORT_BULK_THRESHOLD``)."""
    return settings.OCOP_IMPORT_BULK_THRESHOLD


def takes_bulk_path(kind: str, feature_count: int) -> bool:
    return kind == ImportKind.ZONES and feature_count >= bulk_threshold()


def _check_one_by_one(job: ImportJob, source, user, writer) -> tuple[list[dict], dict[int, shapely.Geometry]]:
    entries: list[dict] = []
    shapes: dict[int, shapely.Geometry] = {}
    cache: dict = {}
    guard = ImportGuard(user)
    total = source.feature_count
    for feature in read_features(source, crs_key=job.crs or None, kind_is_areal=is_areal(job.kind)):
        entry = _process_feature(job, feature, cache, user, guard)
        entries.append(entry)
        if is_areal(job.kind) and entry["status"] != "rejected" and feature.geometry is not None:
            shapes[feature.index] = shapely.from_wkb(bytes(feature.geometry.wkb))
        writer(len(entries), total)
    return entries, shapes


def run_import(*, job: ImportJob, commit: bool, user=None, progress: ProgressCallback | None = None,
               is_claimed: bool = False) -> ImportJob:
    """Check every feature of ``job`` through the registry services; with ``commit``, keep them all or none.

    The job ends ``checked`` (dry run), ``committed`` (every feature saved), ``refused`` (a commit met a
    rejected feature: nothing is saved) or ``failed`` (the file could not be read). Its ``report`` lists
    each feature with its status (valid / repaired / rejected), reasons, duplicates and overlaps, and which
    path ran (``method``: ``per_feature`` or ``set_based``, see :func:`takes_bulk_path`). Every write is
    checked against ``user``'s role and scope (:mod:`apps.transfer.permissions`); ``user=None`` runs with the
    system's rights (management commands).
    """
    if not is_claimed:
        claim_import(job=job)
    job = ImportJob.objects.get(pk=job.pk)
    entries: list[dict] = []
    method = "per_feature"
    try:
        with ProgressWriter(job, callback=progress) as writer, transaction.atomic():
            source = source_of(job)
            if takes_bulk_path(job.kind, source.feature_count):
                from apps.transfer.bulk import garbage_collection_paused, import_zones_in_bulk

                method = "set_based"
                with garbage_collection_paused():
                    entries = import_zones_in_bulk(job=job, source=source, commit=commit, user=user, progress=writer)
            else:
                entries, shapes = _check_one_by_one(job, source, user, writer)
                _overlaps_within_file(entries, shapes)
            summary = _summary(entries)
            is_committed = commit and summary["rejected"] == 0
            if not is_committed:
                transaction.set_rollback(True)
    except DomainError as error:
        job.status, job.error = ImportStatus.FAILED, error.message
        job.report = {"summary": _summary(entries), "features": entries, "commit": commit, "method": method}
        job.save()
        return job
    job.report = {"summary": summary, "features": entries, "commit": commit, "method": method}
    job.progress_done = len(entries)
    if is_committed:
        job.status, job.committed_at = ImportStatus.COMMITTED, timezone.now()
    else:
        for entry in entries:
            entry.pop("id", None)  # rolled back: these ids do not exist
        job.status = ImportStatus.REFUSED if commit else ImportStatus.CHECKED
    job.save()
    return job


def claim_import(*, job: ImportJob) -> ImportJob:
    """Mark the job running, refusing one that is running or committed already (``job_closed``)."""
    claimed = (ImportJob.objects.filter(pk=job.pk)
               .exclude(status__in=(ImportStatus.COMMITTED, ImportStatus.RUNNING))
               .update(status=ImportStatus.RUNNING, progress_done=0, error=""))
    if not claimed:
        job.refresh_from_db()
        raise ImportError_("job_closed", _("This import is %(status)s; start a new one.")
                           % {"status": job.get_status_display()})
    job.refresh_from_db()
    return job


def start_import_in_background(*, job: ImportJob, commit: bool, user=None) -> None:
    """Run :func:`run_import` in a thread so the page can poll the job's progress.

    With ``settings.OCOP_TRANSFER_RUN_INLINE`` (tests) it runs in the request instead.
    """
    claim_import(job=job)
    if getattr(settings, "OCOP_TRANSFER_RUN_INLINE", False):
        run_import(job=job, commit=commit, user=user, is_claimed=True)
        return

    def work() -> None:
        try:
            run_import(job=job, commit=commit, user=user, is_claimed=True)
        except Exception as error:  # noqa: BLE001 - record any crash on the job the officer is watching
            ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.FAILED, error=str(error)[:2000])
        finally:
            connection.close()

    threading.Thread(target=work, daemon=True).start()


__all__ = ["ImportError_", "SourceError", "create_import_job", "run_import", "start_import_in_background",
           "update_import_mapping"]
