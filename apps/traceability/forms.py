"""The inspection-visit form an officer fills in on a phone (see :mod:`apps.traceability.views`)."""

from __future__ import annotations

import math
import uuid

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.traceability.models import InspectionResult, LocationSource


class MultiplePhotoInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultiplePhotoField(forms.FileField):
    """Several files under one name; each is checked again (type, size) by the service."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultiplePhotoInput(attrs={"accept": "image/*", "capture": "environment"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data] if data else []
        return [super(MultiplePhotoField, self).clean(item, initial) for item in files]


def _number(value: str, *, field_label: str) -> float | None:
    """A coordinate typed on a phone: a decimal point or a decimal comma (Vietnamese keyboards) is accepted."""
    text = (value or "").strip().replace(",", ".")
    if not text:
        return None
    try:
        number = float(text)
    except ValueError:
        number = math.nan
    if not math.isfinite(number):
        raise forms.ValidationError(_("%(field)s: %(value)s is not a number."),
                                    params={"field": field_label, "value": value}, code="not_a_number")
    return number


class InspectionVisitForm(forms.Form):
    """What was inspected, when, the result, who inspected, where (GPS, map or typed) and the photos.

    ``target`` is ``kind:pk`` (``zone:12``); the view resolves it within the user's scope. Latitude and longitude
    come together; the view normalises the point (inside Vietnam, not swapped) before calling the service.
    """

    target = forms.CharField(label=_("What was inspected"), max_length=40, widget=forms.HiddenInput,
                             error_messages={"required": _("What was inspected: search for it or pick one near "
                                                           "you.")})
    inspected_on = forms.DateField(label=_("Inspection date"),
                                   widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                                   error_messages={"required": _("Inspection date: enter the date of the visit."),
                                                   "invalid": _("Inspection date: enter a date like 2025-07-31.")})
    result = forms.ChoiceField(label=_("Result"), choices=InspectionResult.choices, widget=forms.RadioSelect,
                               error_messages={"required": _("Result: choose pass, observations or fail.")})
    findings = forms.CharField(label=_("Findings"), required=False,
                               widget=forms.Textarea(attrs={"rows": 4}),
                               help_text=_("Required when the result is not a plain pass."))
    inspector_name = forms.CharField(label=_("Inspector"), max_length=120,
                                     error_messages={"required": _("Inspector: enter the inspector's name.")})
    organisation = forms.CharField(label=_("Organisation"), max_length=200,
                                   error_messages={"required": _("Organisation: enter the inspecting "
                                                                 "organisation.")})
    latitude = forms.CharField(label=_("Latitude"), required=False, max_length=32,
                               widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}))
    longitude = forms.CharField(label=_("Longitude"), required=False, max_length=32,
                                widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}))
    accuracy = forms.CharField(required=False, max_length=32, widget=forms.HiddenInput)
    location_source = forms.ChoiceField(required=False, choices=[("", "—"), *LocationSource.choices],
                                        widget=forms.HiddenInput)
    photos = MultiplePhotoField(label=_("Photos"), required=False)
    submission_key = forms.UUIDField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("inspected_on", timezone.localdate())
            self.initial.setdefault("submission_key", uuid.uuid4())

    def clean_latitude(self) -> float | None:
        return _number(self.cleaned_data.get("latitude", ""), field_label=_("Latitude"))

    def clean_longitude(self) -> float | None:
        return _number(self.cleaned_data.get("longitude", ""), field_label=_("Longitude"))

    def clean_accuracy(self) -> float | None:
        try:
            accuracy = _number(self.cleaned_data.get("accuracy", ""), field_label=_("Accuracy"))
        except forms.ValidationError:
            return None  # written by the page's script, never by the officer: a bad value is dropped
        return accuracy if accuracy is not None and accuracy >= 0 else None

    def clean(self) -> dict:
        data = super().clean()
        latitude, longitude = data.get("latitude"), data.get("longitude")
        if latitude is None and longitude is not None and "latitude" not in self.errors:
            self.add_error("latitude", _("Latitude: enter it together with the longitude."))
        if longitude is None and latitude is not None and "longitude" not in self.errors:
            self.add_error("longitude", _("Longitude: enter it together with the latitude."))
        if latitude is None or longitude is None:
            return data
        if not -90 <= latitude <= 90:
            if -90 <= longitude <= 90 and -180 <= latitude <= 180:
                self.add_error("latitude", _("Latitude and longitude look swapped: the latitude comes first (in "
                                             "Vietnam about 8 to 23.5, the longitude about 102 to 118)."))
            else:
                self.add_error("latitude", _("Latitude: %(value)s is not a latitude; it lies between -90 and 90 "
                                             "(in Vietnam about 8 to 23.5).") % {"value": self._typed("latitude")})
        elif not -180 <= longitude <= 180:
            self.add_error("longitude", _("Longitude: %(value)s is not a longitude; it lies between -180 and 180 "
                                          "(in Vietnam about 102 to 118).") % {"value": self._typed("longitude")})
        return data

    def _typed(self, name: str) -> str:
        return self.data.get(self.add_prefix(name), "")
