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
# What the report page can show: its rows filtered by what happened to the feature (label, count in the summary).
REPORT_FILTERS = {"rejected": (STATUS_LABELS["rejected"], "rejected"),
                  "repaired": (STATUS_LABELS["repaired"], "repaired"),
                  "overlapping": (gettext_lazy("overlapping another"), "overlapping"),
                  "all": (pgettext_lazy("import report", "all"), "total")}


def report_filters(job: ImportJob) -> list[dict]:
    """Each filter of the report page with its label and how many features it shows."""
    summary = (job.report or {}).get("summary") or {}
    return [{"name": name, "label": label, "count": summary.get(key, 0)}
            for name, (label, key) in REPORT_FILTERS.items()]


def report_filter(job: ImportJob, wanted: str | None) -> str:
    """The filter the page shows: the one asked for, else the rejected features when there are any (what stops a
    commit), else every feature."""
    if wanted in REPORT_FILTERS:
        return wanted
    return "rejected" if ((job.report or {}).get("summary") or {}).get("rejected") else "all"


def report_entries(job: ImportJob, shown: str) -> list[dict]:
    """The report's entries the filter keeps, in file order."""
    entries = (job.report or {}).get("features", [])
    if shown == "rejected":
        return [entry for entry in entries if entry["status"] == "rejected"]
    if shown == "repaired":
        return [entry for entry in entries if entry["status"] == "repaired"]
    if shown == "overlapping":
        return [entry for entry in entries if entry["overlaps"]]
    return entries


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
    for entry in (job.report or {}).get("features", []):
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
    from apps.transfer.sources import close_track, geometry_from_wkb, read_layers

    statuses = {entry["index"]: entry["status"] for entry in (job.report or {}).get("features", [])}
    name_field = job.mapping.get("name", "")
    features: list[bytes] = []
    for layer in read_layers(source_of(job), crs_key=job.crs or None):
        if len(features) >= limit:
            break
        names = layer.columns[layer.fields.index(name_field)] if name_field in layer.fields else None
        shapes = shapely.from_wkb(layer.geometries, on_invalid="ignore")
        if is_areal(job.kind):
            lines = [position for position, shape in enumerate(shapes)
                     if shape is not None and shapely.get_type_id(shape) in (1, 5)]
            for position in lines:  # a GPS track: closed ones become polygons
                shapes[position] = shapely.from_wkb(bytes(close_track(geometry_from_wkb(layer.geometries[position]),
                                                                      []).wkb))
        shown = [position for position, shape in enumerate(shapes)
                 if shape is not None and not shapely.is_empty(shape)][:limit - len(features)]
        for position, geometry in zip(shown, shapely.to_geojson(shapes[shown]), strict=True):
            index = layer.first_index + position
            properties = {"index": index, "status": statuses.get(index, ""),
                          "name": (names[position] or "") if names is not None else ""}
            features.append(b'{"type":"Feature","geometry":' + geometry.encode() + b',"properties":'
                            + orjson.dumps(properties) + b"}")
    return b'{"type":"FeatureCollection","features":[' + b",".join(features) + b"]}"
