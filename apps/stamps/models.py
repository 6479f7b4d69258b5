"""QR stamps (tem QR): runs of serialised stamps for a lot, their scan log and consumer counterfeit reports."""

from __future__ import annotations

from django.conf import settings
from django.contrib.gis.db import models
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

MAX_RUN_SIZE = 1_000_000


class StampStatus(models.TextChoices):
    ISSUED = "issued", _("Issued")
    ACTIVE = "active", _("Active")
    VOID = "void", _("Void")
    REVOKED = "revoked", _("Revoked")


class FlagReason(models.TextChoices):
    TOO_MANY_SCANS = "too_many_scans", _("Scanned more times than a genuine package is")
    IMPOSSIBLE_TRAVEL = "impossible_travel", _("Scanned in places too far apart for the time between scans")


class StampRun(models.Model):
    """One issue of ``count`` stamps for a lot (đợt phát hành tem).

    ``options`` holds the print layout the run was issued with (error-correction level, stamp size, margins);
    :func:`apps.stamps.rendering.layout_options` validates and completes it.
    """

    lot = models.ForeignKey("traceability.Lot", verbose_name=_("lot"), on_delete=models.PROTECT,
                            related_name="stamp_runs")
    count = models.PositiveIntegerField(_("number of stamps"),
                                        validators=[MinValueValidator(1), MaxValueValidator(MAX_RUN_SIZE)])
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    options = models.JSONField(_("print options"), default=dict, blank=True)

    class Meta:
        verbose_name = _("stamp run")
        verbose_name_plural = _("stamp runs")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(name="stamps_run_count_range",
                                   condition=Q(count__gte=1) & Q(count__lte=MAX_RUN_SIZE)),
        ]

    def __str__(self) -> str:
        return f"{self.lot} × {self.count}"


class Stamp(models.Model):
    """One serialised QR stamp (tem). ``lot`` repeats the run's lot so a resolve reads one row.

    The scan counters (``scan_count``, ``first_scanned_at``, last located scan) summarise the scan log for the
    consumer banner and the clone heuristics; the log itself (:class:`ScanEvent`) is the record.
    """

    run = models.ForeignKey(StampRun, verbose_name=_("run"), on_delete=models.PROTECT, related_name="stamps",
                            db_index=False)  # covered by the (run, sequence) unique index
    lot = models.ForeignKey("traceability.Lot", verbose_name=_("lot"), on_delete=models.PROTECT,
                            related_name="stamps")
    sequence = models.PositiveIntegerField(_("number in the run"))
    serial = models.CharField(_("serial"), max_length=14)  # unique by the constraint below (no extra LIKE index)
    status = models.CharField(_("status"), max_length=8, choices=StampStatus.choices, default=StampStatus.ISSUED)
    status_reason = models.TextField(_("status reason"), blank=True)
    status_changed_at = models.DateTimeField(_("status changed at"), null=True, blank=True)
    scan_count = models.PositiveIntegerField(_("consumer scans"), default=0)
    first_scanned_at = models.DateTimeField(_("first scanned at"), null=True, blank=True)
    last_scanned_at = models.DateTimeField(_("last scanned at"), null=True, blank=True)
    last_located_at = models.DateTimeField(_("last located scan at"), null=True, blank=True)
    last_location = models.PointField(_("last located scan (coarse)"), geography=True, srid=4326, null=True,
                                      blank=True, spatial_index=False)  # read by primary key only
    is_flagged = models.BooleanField(_("flagged as a possible clone"), default=False)
    flag_reason = models.CharField(_("flag reason"), max_length=20, choices=FlagReason.choices, blank=True)
    flagged_at = models.DateTimeField(_("flagged at"), null=True, blank=True)

    class Meta:
        verbose_name = _("stamp")
        verbose_name_plural = _("stamps")
        ordering = ["run", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["serial"], name="stamps_stamp_serial_unique"),
            models.UniqueConstraint(fields=["run", "sequence"], name="stamps_stamp_run_sequence"),
            models.CheckConstraint(name="stamps_stamp_revoked_has_reason",
                                   condition=~Q(status="revoked") | ~Q(status_reason="")),
        ]
        indexes = [models.Index(fields=["flagged_at"], condition=Q(is_flagged=True), name="stamps_flagged")]

    def __str__(self) -> str:
        return self.serial


class StampStatusChange(models.Model):
    """Audit entry of one (bulk) status change: who changed which stamps of a run, to what and why."""

    run = models.ForeignKey(StampRun, verbose_name=_("run"), null=True, blank=True, on_delete=models.PROTECT,
                            related_name="status_changes")
    to_status = models.CharField(_("new status"), max_length=8, choices=StampStatus.choices)
    reason = models.TextField(_("reason"), blank=True)
    selection = models.JSONField(_("selection"), default=dict,
                                 help_text=_("The sequence range or serial list the change was asked for."))
    changed_count = models.PositiveIntegerField(_("stamps changed"), default=0)
    unchanged_count = models.PositiveIntegerField(_("stamps already in that status"), default=0)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("changed by"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    changed_at = models.DateTimeField(_("changed at"), auto_now_add=True)

    class Meta:
        verbose_name = _("stamp status change")
        verbose_name_plural = _("stamp status changes")
        ordering = ["-changed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_to_status_display()} × {self.changed_count}"


class ScanKind(models.TextChoices):
    PAGE = "page", _("Product page")
    LINKSET = "linkset", _("Linkset (machine)")
    LOCATED = "located", _("Location shared")
    PREVIEW = "preview", _("Link preview (bot)")


class ScanOutcome(models.TextChoices):
    ISSUED = "issued", _("Issued")
    ACTIVE = "active", _("Active")
    VOID = "void", _("Void")
    REVOKED = "revoked", _("Revoked")
    UNKNOWN = "unknown", _("Unknown serial")
    MISMATCH = "mismatch", _("Serial with another product or lot")


class ScanEvent(models.Model):
    """One resolve of a stamp URL (nhật ký quét) — append-only, partitioned by month in PostgreSQL.

    No personal data: no IP address, only the user-agent family and, if the visitor shared it, a location
    rounded to 0.01° (about a kilometre). The table is created by hand in the migration (declarative
    partitioning, a default partition and an UPDATE/DELETE guard); the primary key there is (id, scanned_at).
    """

    id = models.BigAutoField(primary_key=True)
    scanned_at = models.DateTimeField(_("scanned at"))
    stamp = models.ForeignKey(Stamp, verbose_name=_("stamp"), null=True, blank=True, on_delete=models.DO_NOTHING,
                              db_constraint=False, related_name="scans")
    serial = models.CharField(_("serial as scanned"), max_length=40, blank=True)
    kind = models.CharField(_("kind"), max_length=8, choices=ScanKind.choices, default=ScanKind.PAGE)
    outcome = models.CharField(_("outcome"), max_length=8, choices=ScanOutcome.choices)
    is_counted = models.BooleanField(_("counted as a consumer check"), default=False)
    location = models.PointField(_("coarse location"), srid=4326, null=True, blank=True)
    user_agent_family = models.CharField(_("browser family"), max_length=20, blank=True)

    class Meta:
        managed = True
        verbose_name = _("scan")
        verbose_name_plural = _("scan log")
        ordering = ["-scanned_at"]

    def __str__(self) -> str:
        return f"{self.serial} @ {self.scanned_at:%Y-%m-%d %H:%M}"


class CounterfeitReport(models.Model):
    """A consumer's report of a suspicious code or package (báo cáo hàng giả)."""

    serial = models.CharField(_("code as scanned"), max_length=200, blank=True)
    stamp = models.ForeignKey(Stamp, verbose_name=_("stamp"), null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="reports")
    place = models.CharField(_("where it was bought"), max_length=255, blank=True)
    message = models.TextField(_("what looks wrong"), max_length=2000)
    contact = models.CharField(_("contact (optional)"), max_length=120, blank=True,
                               help_text=_("Only if you want an officer to call or write back."))
    location = models.PointField(_("coarse location"), srid=4326, null=True, blank=True)
    created_at = models.DateTimeField(_("reported at"), auto_now_add=True)
    is_reviewed = models.BooleanField(_("reviewed"), default=False)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("reviewed by"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("counterfeit report")
        verbose_name_plural = _("counterfeit reports")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.serial or '—'} ({self.created_at:%Y-%m-%d})"
