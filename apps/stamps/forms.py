"""Forms of the officers' stamp pages (parsing only; the services decide)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.stamps.models import MAX_RUN_SIZE, StampStatus
from apps.stamps.rendering import DEFAULT_OPTIONS, ERROR_LEVELS
from apps.traceability.models import Lot, LotStatus


class IssueRunForm(forms.Form):
    lot = forms.ModelChoiceField(Lot.objects.exclude(status=LotStatus.RECALLED).select_related("product"),
                                 label=_("Lot"))
    count = forms.IntegerField(label=_("Number of stamps"), min_value=1, max_value=MAX_RUN_SIZE)
    error_correction = forms.ChoiceField(label=_("Error correction"),
                                         choices=[(level, level) for level in ERROR_LEVELS],
                                         initial=DEFAULT_OPTIONS["error_correction"])
    stamp_size_mm = forms.FloatField(label=_("Stamp size (mm)"), initial=DEFAULT_OPTIONS["stamp_size_mm"])
    margin_mm = forms.FloatField(label=_("Page margin (mm)"), initial=DEFAULT_OPTIONS["margin_mm"])
    gap_mm = forms.FloatField(label=_("Gap between stamps (mm)"), initial=DEFAULT_OPTIONS["gap_mm"])

    def options(self) -> dict:
        return {key: self.cleaned_data[key] for key in ("error_correction", "stamp_size_mm", "margin_mm", "gap_mm")}


class StatusChangeForm(forms.Form):
    to_status = forms.ChoiceField(label=_("New status"), choices=[
        (StampStatus.ACTIVE, StampStatus.ACTIVE.label), (StampStatus.VOID, StampStatus.VOID.label),
        (StampStatus.REVOKED, StampStatus.REVOKED.label)])
    sequence_from = forms.IntegerField(label=_("From number"), required=False, min_value=1)
    sequence_to = forms.IntegerField(label=_("To number"), required=False, min_value=1)
    serials = forms.CharField(label=_("Or serials (one per line)"), required=False, widget=forms.Textarea(
        attrs={"rows": 3}))
    reason = forms.CharField(label=_("Reason"), required=False, max_length=500)

    def serial_list(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["serials"].splitlines() if line.strip()]
