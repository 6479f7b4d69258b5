"""The attribute part of the zone editor: what the officer picks beside the drawing."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.producers.models import Producer
from apps.territory.models import AdministrativeUnit, Era, Level
from apps.zones.models import Crop, GrowingAreaCode, ZoneKind


class ZoneAttributesForm(forms.Form):
    """Name, kind, crop, producers, growing-area code, commune, notes and the reason for the change.

    Choices are narrowed to what the user may touch: ``producers`` and ``codes`` are querysets already
    scoped by the caller (a commune officer may not attach a zone to a code, so gets no code choices).
    """

    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=ZoneKind.choices)
    crop = forms.ModelChoiceField(label=_("Crop or species"), queryset=Crop.objects.order_by("name"))
    producers = forms.ModelMultipleChoiceField(label=_("Producers"), queryset=Producer.objects.none(),
                                               required=False)
    code = forms.ModelChoiceField(label=_("Growing-area code"), queryset=GrowingAreaCode.objects.none(),
                                  required=False, help_text=_("The zone is added to this code when saved."))
    commune = forms.ModelChoiceField(
        label=_("Commune"), to_field_name="code", required=False,
        queryset=AdministrativeUnit.objects.filter(era=Era.CURRENT, level=Level.COMMUNE).order_by("name"),
        help_text=_("Optional: the commune the zone must lie in."))
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    comment = forms.CharField(label=_("Reason for the change"), required=False, max_length=500,
                              help_text=_("Optional; kept in the zone's history."))

    def __init__(self, *args, producers=None, codes=None, communes=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["producers"].queryset = (producers if producers is not None else Producer.objects.none()) \
            .order_by("name")
        self.fields["code"].queryset = (codes if codes is not None else GrowingAreaCode.objects.none()) \
            .select_related("crop").order_by("code")
        self.fields["code"].label_from_instance = (
            lambda code: f"{code.code} · {code.crop} · {code.get_status_display()}")
        if communes is not None:
            self.fields["commune"].queryset = communes.order_by("name")
