"""Import jobs (nhập dữ liệu) and the EUDR export rules (quy định EUDR) as versioned data."""

from __future__ import annotations

import datetime
import functools
import json
from decimal import Decimal

import orjson
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.common.models import TimeStampedModel


class ImportKind(models.TextChoices):
    ZONES = "zones", _("Raw-material zones")
    PACKING_FACILITIES = "packing_facilities", _("Packing facilities")
    PRODUCTION_FACILITIES = "production_facilities", _("Production facilities")
    SALES_POINTS = "sales_points", _("Sales points")


class ImportStatus(models.TextChoices):
    UPLOADED = "uploaded", _("Uploaded")
    RUNNING = "running", _("Running")
    CHECKED = "checked", _("Checked (dry run)")
    COMMITTED = "committed", _("Committed")
    REFUSED = "refused", _("Refused")
    FAILED = "failed", _("Failed")


def _dumps(value) -> bytes:
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS)


class DocumentJSONField(models.JSONField):
    """JSON kept as written (PostgreSQL ``json``, not ``jsonb``): for a document only ever read and written whole.

    ``jsonb`` converts the text into its binary form on every write, and back on every read, for key lookups and
    indexes such a document never needs: ~35 ms for the ~1.5 MB report of a 10,000-feature import; ``json`` only
    checks the text (~5 ms). Values go to the database as ``json`` and come back decoded (by psycopg). Without an
    ``encoder`` they are written by orjson — compact UTF-8, about ten times as fast as ``json.dumps`` (40 ms for
    that report) — with ``json.dumps``'s rule for keys that are not text (written as text).
    """

    def db_type(self, connection) -> str:
        return "json"  # PostGIS is the only database

    def get_db_prep_value(self, value, connection, prepared=False):
        from psycopg.types.json import Json

        if not prepared:
            value = self.get_prep_value(value)
        return Json(value, dumps=functools.partial(json.dumps, cls=self.encoder) if self.encoder else _dumps)

    def from_db_value(self, value, expression, connection):
        if value is None or isinstance(value, str):
            return super().from_db_value(value, expression, connection)
        return value  # decoded by psycopg's json loader


def _upload_to(job: ImportJob, filename: str) -> str:
    return f"imports/{datetime.date.today():%Y/%m}/{filename}"


class ImportJob(TimeStampedModel):
    """One file an officer imports: its CRS, field mapping, progress and the per-feature report.

    ``report`` holds the last run's summary and one entry per feature (index, status — valid, repaired,
    rejected —, reasons, duplicates, overlaps). Nothing is saved unless a commit runs with no rejected
    feature; a commit that meets one saves nothing (all or nothing).
    """

    kind = models.CharField(_("kind"), max_length=24, choices=ImportKind.choices)
    file = models.FileField(_("file"), upload_to=_upload_to)
    original_name = models.CharField(_("file name"), max_length=255)
    detected_crs = models.CharField(_("detected coordinate system"), max_length=40, blank=True)
    crs = models.CharField(_("coordinate system"), max_length=40, blank=True,
                           help_text=_("Chosen by the officer when the file does not say (no .prj, CSV)."))
    source_fields = models.JSONField(_("source fields"), default=list, blank=True)
    source_description = models.JSONField(_("what the file holds"), default=dict, blank=True, editable=False,
                                          help_text=_("Layers, feature counts and coordinate system GDAL found."))
    mapping = models.JSONField(_("field mapping"), default=dict, blank=True,
                               help_text=_("Our field → source field."))
    defaults = models.JSONField(_("default values"), default=dict, blank=True,
                                help_text=_("Our field → value used when the source has none."))
    status = models.CharField(_("status"), max_length=10, choices=ImportStatus.choices,
                              default=ImportStatus.UPLOADED)
    progress_done = models.PositiveIntegerField(_("features processed"), default=0)
    progress_total = models.PositiveIntegerField(_("features in the file"), default=0)
    report = DocumentJSONField(_("report"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="import_jobs")
    committed_at = models.DateTimeField(_("committed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("import job")
        verbose_name_plural = _("import jobs")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.original_name} ({self.get_kind_display()})"

    @property
    def progress_percent(self) -> int:
        if not self.progress_total:
            return 0
        return min(100, round(100 * self.progress_done / self.progress_total))


class EudrProfile(models.Model):
    """The EUDR geolocation rules in force from ``valid_from`` (Regulation (EU) 2023/1115, art. 2(28), 9(1)(d)).

    Data, not constants: the Commission's information-system limits and guidance change by act.
    """

    valid_from = models.DateField(_("valid from"), unique=True)
    point_max_area_ha = models.DecimalField(
        _("largest plot given as a point (ha)"), max_digits=8, decimal_places=2, default=Decimal("4"),
        help_text=_("Plots up to this area may be given as a point; larger ones need a polygon."))
    max_file_bytes = models.PositiveIntegerField(_("largest file (bytes)"), default=25 * 1024 * 1024)
    coordinate_decimals = models.PositiveSmallIntegerField(_("coordinate decimals"), default=6)
    country_code = models.CharField(_("country of production"), max_length=2, default="VN")
    source = models.CharField(_("source"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("EUDR geolocation rules")
        verbose_name_plural = _("EUDR geolocation rules")
        ordering = ["-valid_from"]

    def __str__(self) -> str:
        return f"EUDR {self.valid_from}"
