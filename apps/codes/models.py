"""Configurable formats of official codes (growing-area codes, packing-facility codes), versioned by date."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class CodeKind(models.TextChoices):
    GROWING_AREA_EXPORT = "growing_area_export", _("Growing-area code (export)")
    GROWING_AREA_DOMESTIC = "growing_area_domestic", _("Growing-area code (domestic)")
    PACKING_EXPORT = "packing_export", _("Packing-facility code (export)")
    PACKING_DOMESTIC = "packing_domestic", _("Packing-facility code (domestic)")


class CodeFormat(models.Model):
    """The pattern a kind of code must match, and the template to propose the next one.

    ``pattern`` is a regular expression with named groups ``letters`` and ``sequence``; ``template`` is a
    Python format string with ``{letters}`` and ``{sequence}`` (e.g. ``VN-{letters}OR-{sequence:04d}``).
    The format in force is the latest one whose ``valid_from`` is not in the future.
    """

    kind = models.CharField(_("kind"), max_length=24, choices=CodeKind.choices)
    pattern = models.CharField(_("pattern (regular expression)"), max_length=200)
    template = models.CharField(_("template for new codes"), max_length=100)
    example = models.CharField(_("example"), max_length=40)
    basis = models.CharField(_("legal basis"), max_length=200, blank=True)
    valid_from = models.DateField(_("valid from"))

    class Meta:
        verbose_name = _("code format")
        verbose_name_plural = _("code formats")
        ordering = ["kind", "-valid_from"]
        constraints = [models.UniqueConstraint(fields=["kind", "valid_from"], name="codes_format_kind_date")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.example}"
