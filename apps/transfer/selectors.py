"""Reads of import jobs: a report's rows, filtered for the page, and the whole report as a spreadsheet."""

from __future__ import annotations

import csv
import io

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from apps.common.text import spreadsheet_text
from apps.transfer.models import ImportJob

STATUS_LABELS = {"valid": pgettext_lazy("import report", "valid"),
                 "repaired": pgettext_lazy("import report", "repaired"),
                 "rejected": pgettext_lazy("import report", "rejected")}
# What the report page can show: its rows filtered by what happened to the feature — label, count in the summary,
# which entries (None: all).
REPORT_FILTERS = {
    "rejected": (STATUS_LABELS["rejected"], "rejected", lambda entry: entry["status"] == "rejected"),
    "repaired": (STATUS_LABELS["repaired"], "repaired", lambda entry: entry["status"] == "repaired"),
    "overlapping": (gettext_lazy("overlapping another"), "overlapping", lambda entry: bool(entry["overlaps"])),
    "all": (pgettext_lazy("import report", "all"), "total", None),
}


def _summary(job: ImportJob) -> dict:
    return (job.report or {}).get("summary") or {}


def _entries(job: ImportJob) -> list[dict]:
    return (job.report or {}).get("features", [])


def report_filters(job: ImportJob) -> list[dict]:
    """Each filter of the report page with its label and how many features it shows."""
    summary = _summary(job)
    return [{"name": name, "label": label, "count": summary.get(key, 0)}
            for name, (label, key, _keeps) in REPORT_FILTERS.items()]


def report_filter(job: ImportJob, wanted: str | None) -> str:
    """The filter the page shows: the one asked for, else the rejected features when there are any (what stops a
    commit), else every feature."""
    if wanted in REPORT_FILTERS:
        return wanted
    return "rejected" if _summary(job).get("rejected") else "all"


def report_entries(job: ImportJob, shown: str) -> list[dict]:
    """The report's entries the filter keeps, in file order."""
    keeps = REPORT_FILTERS[shown][2]
    return _entries(job) if keeps is None else [entry for entry in _entries(job) if keeps(entry)]


def remarks(entry: dict) -> str:
    """A report entry's reasons, notes, duplicate and overlaps, in words (the page's and the spreadsheet's)."""
    words = [reason["message"] for reason in entry["reasons"]] + list(entry["notes"])
    if entry.get("duplicate_of"):
        words.append(_("Duplicate of %(name)s.") % {"name": entry["duplicate_of"]})
    for overlap in entry["overlaps"]:
        if overlap.get("code"):
            words.append(_("Overlaps code %(code)s by %(area)s m².") % {"code": overlap["code"],
                                                                       "area": overlap["area_m2"]})
        else:
            words.append(_("Overlaps feature #%(other)s.") % {"other": overlap["feature"]})
    return " ".join(words)


def report_csv(job: ImportJob) -> bytes:
    """Every entry of the job's report as CSV (UTF-8 with a byte-order mark, so that spreadsheets read the accents).

    Names and remarks come from the uploaded file: never computed as formulas (:func:`spreadsheet_text`)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([_("#"), _("name"), _("status"), _("reasons and notes"), _("saved as")])
    for entry in _entries(job):
        writer.writerow([entry["index"], spreadsheet_text(entry["name"]),
                         str(STATUS_LABELS.get(entry["status"], entry["status"])), spreadsheet_text(remarks(entry)),
                         entry.get("id", "")])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def preview_geojson(job: ImportJob, limit: int) -> bytes:
    """The file's first ``limit`` features with a geometry, in WGS 84, each with its position, name and status in the
    last run, as a GeoJSON FeatureCollection (for the page's map).

    Read as the import reads it (:func:`~apps.transfer.sources.read_layers`; closed GPS tracks become areas), a layer
    at a time, the geometries written by GEOS at once; raises the reader's ``DomainError`` for an unreadable file.
    """
    import orjson
    import shapely

    from apps.transfer.services import is_areal, source_of
    from apps.transfer.sources import close_tracks, read_layers

    statuses = {entry["index"]: entry["status"] for entry in _entries(job)}
    name_field = job.mapping.get("name", "")
    features: list[bytes] = []
    for layer in read_layers(source_of(job), crs_key=job.crs or None):
        if len(features) >= limit:
            break
        names = layer.columns[layer.fields.index(name_field)] if name_field in layer.fields else None
        shapes = shapely.from_wkb(layer.geometries, on_invalid="ignore")
        if is_areal(job.kind):  # closed GPS tracks are areas
            close_tracks(shapes, layer.geometries, lambda _position: [])
        shown = [position for position, shape in enumerate(shapes)
                 if shape is not None and not shapely.is_empty(shape)][:limit - len(features)]
        for position, geometry in zip(shown, shapely.to_geojson(shapes[shown]), strict=True):
            index = layer.first_index + position
            properties = {"index": index, "status": statuses.get(index, ""),
                          "name": (names[position] or "") if names is not None else ""}
            features.append(b'{"type":"Feature","geometry":' + geometry.encode() + b',"properties":'
                            + orjson.dumps(properties) + b"}")
    return b'{"type":"FeatureCollection","features":[' + b",".join(features) + b"]}"
