"""State changes for producers (chủ thể OCOP): registration and updates.

Both fill ``slug`` (unique, disambiguated) and ``search_name`` (diacritics folded), and refuse a tax /
business registration number that is malformed or already registered.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.gis.geos import GEOSGeometry
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from apps.common.errors import DomainError
from apps.common.geometry import POINT, normalize_geometry
from apps.common.text import fold, vietnamese_slug
from apps.producers.models import TAX_CODE_VALIDATOR, LegalForm, Producer
from apps.territory.models import AdministrativeUnit, Era, Level


class ProducerError(DomainError):
    default_code = "invalid_producer"


_EDITABLE_FIELDS = (
    "name", "legal_form", "tax_code", "commune", "legacy_commune", "representative", "phone", "email", "website",
    "address", "location", "is_open_to_visits",
)


def _unique_slug(name: str, *, exclude_pk: int | None = None) -> str:
    base = vietnamese_slug(name)[:200] or "producer"
    taken = set(Producer.objects.filter(slug__startswith=base).exclude(pk=exclude_pk).values_list("slug", flat=True))
    slug, counter = base, 2
    while slug in taken:
        slug, counter = f"{base}-{counter}", counter + 1
    return slug


def _normalised_tax_code(tax_code: str) -> str:
    value = "".join((tax_code or "").split())
    try:
        TAX_CODE_VALIDATOR(value)
    except ValidationError as exc:
        raise ProducerError(
            "invalid_tax_code",
            _("Tax / business registration number %(value)s: 10 digits, or 10 digits, a dash and 3 digits "
              "for a branch (e.g. 6001234567 or 6001234567-001).") % {"value": value or "∅"},
            field="tax_code",
        ) from exc
    return value


def _check_unique_tax_code(tax_code: str, *, exclude_pk: int | None = None) -> None:
    other = Producer.objects.filter(tax_code=tax_code).exclude(pk=exclude_pk).first()
    if other is not None:
        raise ProducerError(
            "duplicate_tax_code",
            _("Tax / business registration number %(value)s is already registered to %(producer)s.")
            % {"value": tax_code, "producer": other.name},
            field="tax_code",
        )


def _check_commune(commune: AdministrativeUnit | None) -> None:
    if commune is None:
        raise ProducerError("commune_required", _("Commune: choose the producer's commune."), field="commune")
    if commune.era != Era.CURRENT or commune.level != Level.COMMUNE:
        raise ProducerError(
            "commune_not_current",
            _("Commune: %(unit)s is not a commune of the 2025 administrative map.") % {"unit": commune},
            field="commune",
        )


def _check_legacy_commune(legacy_commune: AdministrativeUnit | None) -> None:
    if legacy_commune is not None and (legacy_commune.era != Era.LEGACY or legacy_commune.level != Level.COMMUNE):
        raise ProducerError(
            "legacy_commune_not_legacy",
            _("Legacy commune: %(unit)s is not a commune of the map before 1 July 2025.") % {"unit": legacy_commune},
            field="legacy_commune",
        )


def _apply(producer: Producer, values: dict[str, Any]) -> None:
    """Validate ``values`` and set them on ``producer`` (not saved)."""
    if "name" in values:
        name = (values["name"] or "").strip()
        if not name:
            raise ProducerError("name_required", _("Name: the producer's name is required."), field="name")
        values["name"] = name
    if "legal_form" in values and values["legal_form"] not in LegalForm.values:
        raise ProducerError(
            "invalid_legal_form",
            _("Legal form: %(value)s is not one of cooperative, cooperative group, enterprise, household business, "
              "farm or association.") % {"value": values["legal_form"]},
            field="legal_form",
        )
    if "tax_code" in values:
        values["tax_code"] = _normalised_tax_code(values["tax_code"])
        _check_unique_tax_code(values["tax_code"], exclude_pk=producer.pk)
    if "commune" in values:
        _check_commune(values["commune"])
    if "legacy_commune" in values:
        _check_legacy_commune(values["legacy_commune"])
    if values.get("location") is not None:
        values["location"] = normalize_geometry(values["location"], kind=POINT, field_name="location").geometry
    for name, value in values.items():
        setattr(producer, name, "" if value is None and name in {"representative", "phone", "email", "website",
                                                                    "address"} else value)
    try:
        producer.full_clean(exclude=["slug", "search_name", "tax_code", "partners"], validate_unique=False)
    except ValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        raise ProducerError("invalid_field", f"{field}: {' '.join(messages)}", field=field) from exc


def _save(producer: Producer) -> Producer:
    try:
        with transaction.atomic():
            producer.save()
    except IntegrityError as exc:  # a concurrent registration took the tax code or slug
        _check_unique_tax_code(producer.tax_code, exclude_pk=producer.pk)
        raise ProducerError("conflict", _("The producer could not be saved; please try again.")) from exc
    return producer


@transaction.atomic
def register_producer(
    *,
    name: str,
    legal_form: str,
    tax_code: str,
    commune: AdministrativeUnit,
    legacy_commune: AdministrativeUnit | None = None,
    representative: str = "",
    phone: str = "",
    email: str = "",
    website: str = "",
    address: str = "",
    location: GEOSGeometry | str | dict | None = None,
    is_open_to_visits: bool = False,
    partners: Iterable[Producer] = (),
) -> Producer:
    """Register an OCOP producer; fill its slug and search name.

    Refuses (``ProducerError``): an empty name, an unknown legal form, a malformed (``invalid_tax_code``) or
    already registered (``duplicate_tax_code``) tax number, a commune that is not a 2025 commune, a legacy
    commune that is not a pre-2025 commune, a location that is not a point in Vietnam.
    """
    producer = Producer()
    _apply(producer, {
        "name": name, "legal_form": legal_form, "tax_code": tax_code, "commune": commune,
        "legacy_commune": legacy_commune, "representative": representative, "phone": phone, "email": email,
        "website": website, "address": address, "location": location, "is_open_to_visits": is_open_to_visits,
    })
    producer.slug = _unique_slug(producer.name)
    producer.search_name = fold(producer.name)
    _save(producer)
    if partners:
        producer.partners.set(partners)
    return producer


@transaction.atomic
def update_producer(*, producer: Producer, partners: Iterable[Producer] | None = None, **changes: Any) -> Producer:
    """Change a producer's fields (any of the ones :func:`register_producer` takes) with the same checks.

    A new name gives a new search name and slug; an unchanged name keeps the slug (links stay valid).
    """
    unknown = set(changes) - set(_EDITABLE_FIELDS)
    if unknown:
        raise ProducerError("unknown_field", _("Unknown field(s): %(fields)s.")
                            % {"fields": ", ".join(sorted(unknown))})
    producer = Producer.objects.select_for_update().get(pk=producer.pk)
    old_name = producer.name
    _apply(producer, dict(changes))
    if producer.name != old_name or not producer.slug:
        producer.slug = _unique_slug(producer.name, exclude_pk=producer.pk)
    producer.search_name = fold(producer.name)
    _save(producer)
    if partners is not None:
        if any(partner.pk == producer.pk for partner in partners):
            raise ProducerError("self_partner", _("Chain partners: a producer cannot be its own partner."),
                                field="partners")
        producer.partners.set(partners)
    return producer
