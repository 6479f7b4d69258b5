"""Our fields per import kind, how source fields are guessed for them, and how values are read."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.common.errors import DomainError
from apps.common.text import fold
from apps.outlets.models import SalesPointKind
from apps.producers.models import Producer
from apps.transfer.models import ImportKind
from apps.zones.models import Crop, GrowingAreaCode, ZoneKind


class ValueError_(DomainError):  # noqa: N801 - a DomainError, not the builtin
    default_code = "bad_value"


def _text(value, name: str) -> str:
    return "" if value is None else str(value).strip()


def _choice(choices) -> Callable:
    def convert(value, name: str) -> str:
        text = _text(value, name)
        for key, label in choices:
            if fold(text) in (fold(key), fold(str(label))):
                return key
        raise ValueError_("bad_choice", _("%(field)s: %(value)s is not one of %(choices)s.")
                          % {"field": name, "value": text or "∅", "choices": ", ".join(key for key, _l in choices)},
                          field=name)
    return convert


def _crop(value, name: str) -> Crop:
    text = _text(value, name)
    folded = fold(text)
    for crop in Crop.objects.all():
        if folded in (fold(crop.slug), fold(crop.name), fold(crop.name_en)):
            return crop
    raise ValueError_("unknown_crop", _("%(field)s: no crop called %(value)s.") % {"field": name, "value": text or "∅"},
                      field=name)


def _producer(value, name: str) -> Producer | None:
    text = _text(value, name)
    if not text:
        return None
    producer = Producer.objects.filter(Q(tax_code=text) | Q(slug=text)).first()
    if producer is None:
        raise ValueError_("unknown_producer", _("%(field)s: no producer with tax code %(value)s.")
                          % {"field": name, "value": text}, field=name)
    return producer


def _producers(value, name: str) -> list[Producer]:
    return [_producer(part, name) for part in re.split(r"[;,|]", _text(value, name)) if part.strip()]


def _code(value, name: str) -> GrowingAreaCode | None:
    text = _text(value, name).upper()
    if not text:
        return None
    code = GrowingAreaCode.objects.filter(code=text).first()
    if code is None:
        raise ValueError_("unknown_code", _("%(field)s: the growing-area code %(value)s has not been issued; issue it "
                                            "first.") % {"field": name, "value": text}, field=name)
    return code


def _date(value, name: str) -> datetime.date | None:
    text = _text(value, name)
    if not text:
        return None
    for pattern in ("%Y-%m-%d", "%d/%m/%Y", "%Y/%m/%d"):
        try:
            return datetime.datetime.strptime(text[:10], pattern).date()
        except ValueError:
            continue
    raise ValueError_("bad_date", _("%(field)s: %(value)s is not a date (2025-09-01 or 01/09/2025).")
                      % {"field": name, "value": text}, field=name)


def _decimal(value, name: str) -> Decimal | None:
    text = _text(value, name).replace(",", ".")
    if not text:
        return None
    try:
        return Decimal(text)
    except InvalidOperation as exc:
        raise ValueError_("bad_number", _("%(field)s: %(value)s is not a number.") % {"field": name, "value": text},
                          field=name) from exc


def _markets(value, name: str) -> list[str]:
    return [part.strip().upper() for part in re.split(r"[;,| ]", _text(value, name)) if part.strip()]


@dataclass(frozen=True)
class TargetField:
    """One of our fields an import fills: its name (also the export attribute name), label and reader."""

    name: str
    label: str
    convert: Callable = _text
    is_required: bool = False
    guesses: tuple[str, ...] = ()


def _names(*names: str) -> tuple[str, ...]:
    return names


NAME = TargetField("name", gettext_lazy("name"), is_required=True,
                   guesses=_names("name", "ten", "ten_vung", "ten_co_so", "ten_diem", "title", "label"))
ADDRESS = TargetField("address", gettext_lazy("address"), guesses=_names("address", "dia_chi", "diachi"))

TARGET_FIELDS: dict[str, tuple[TargetField, ...]] = {
    ImportKind.ZONES: (
        NAME,
        TargetField("kind", gettext_lazy("kind"), _choice(ZoneKind.choices), True,
                    _names("kind", "loai", "loai_vung", "type")),
        TargetField("crop", gettext_lazy("crop"), _crop, True, _names("crop", "cay_trong", "loai_cay", "crop_name")),
        TargetField("producers", gettext_lazy("producers (tax codes)"), _producers, False,
                    _names("producers", "producer", "chu_the", "ma_so_thue", "tax_code", "mst")),
        TargetField("code", gettext_lazy("growing-area code"), _code, False,
                    _names("code", "ma_so", "ma_vung_trong", "msvt")),
        TargetField("proposed_on", gettext_lazy("proposal date"), _date, False,
                    _names("proposed_on", "ngay", "ngay_de_xuat", "date")),
        TargetField("notes", gettext_lazy("notes"), guesses=_names("notes", "ghi_chu", "description", "desc")),
    ),
    ImportKind.PACKING_FACILITIES: (
        NAME,
        TargetField("code", gettext_lazy("code"), is_required=True, guesses=_names("code", "ma_so", "ma_csdg", "ma")),
        TargetField("code_type", gettext_lazy("code type"), _choice([("domestic", "domestic"), ("export", "export")]),
                    False, _names("code_type", "loai_ma")),
        TargetField("operator_tax", gettext_lazy("operator (tax code)"), _producer, False,
                    _names("operator_tax_code", "ma_so_thue", "mst")),
        TargetField("operator_name", gettext_lazy("operator name"),
                    guesses=_names("operator", "operator_name", "don_vi", "chu_co_so")),
        ADDRESS,
        TargetField("target_markets", gettext_lazy("target markets"), _markets, False,
                    _names("markets", "target_markets", "thi_truong")),
        TargetField("capacity_tonnes_per_day", gettext_lazy("capacity (tonnes/day)"), _decimal, False,
                    _names("capacity", "cong_suat")),
        TargetField("issuing_authority", gettext_lazy("issuing authority"),
                    guesses=_names("issuer", "issuing_authority", "co_quan_cap")),
        TargetField("issue_date", gettext_lazy("issue date"), _date, False, _names("issue_date", "ngay_cap")),
    ),
    ImportKind.PRODUCTION_FACILITIES: (
        NAME,
        TargetField("producer", gettext_lazy("producer (tax code)"), _producer, True,
                    _names("producer", "ma_so_thue", "mst", "tax_code", "chu_the")),
        ADDRESS,
        TargetField("makes", gettext_lazy("what it makes"), guesses=_names("makes", "san_pham", "products")),
    ),
    ImportKind.SALES_POINTS: (
        NAME,
        TargetField("kind", gettext_lazy("kind"), _choice(SalesPointKind.choices), True,
                    _names("kind", "loai", "loai_diem", "type")),
        ADDRESS,
        TargetField("phone", gettext_lazy("phone"), guesses=_names("phone", "dien_thoai", "sdt", "tel")),
        TargetField("operator_tax", gettext_lazy("operator (tax code)"), _producer, False,
                    _names("operator_tax_code", "ma_so_thue", "mst")),
    ),
}


def _key(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", fold(name)).strip("_")


def guess_mapping(kind: str, source_fields: list[str]) -> dict[str, str]:
    """Our field → the source field that most likely holds it (exact name first, then known synonyms)."""
    by_key = {_key(name): name for name in source_fields}
    mapping: dict[str, str] = {}
    for target in TARGET_FIELDS[kind]:
        for guess in (target.name, *target.guesses):
            source = by_key.get(_key(guess))
            if source is not None and source not in mapping.values():
                mapping[target.name] = source
                break
    return mapping


def name_in_file(raw, defaults: dict[str, str]) -> str:
    """A feature's name as the file (or the default name) writes it: what the report shows of a feature whose values
    were refused, so that the officer can find it. ``raw``: the value of the field mapped to ``name``."""
    for value in (raw, defaults.get("name")):
        if value is not None and str(value).strip():
            return str(value).strip()
    return ""


def read_values(kind: str, properties: dict, mapping: dict[str, str], defaults: dict[str, str],
                cache: dict | None = None) -> dict:
    """Our values for one feature; raises ``ValueError_`` (bad value) naming our field.

    ``cache`` keeps conversions (crop, producer, code look-ups) across the features of one run.
    """
    cache = {} if cache is None else cache
    values = {}
    for target in TARGET_FIELDS[kind]:
        source = mapping.get(target.name)
        raw = properties.get(source) if source else None
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            raw = defaults.get(target.name)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            if target.is_required:
                raise ValueError_("value_required", _("%(field)s is empty: map a source field or give a default.")
                                  % {"field": target.label}, field=target.name)
            continue
        key = (target.name, str(raw))
        if key not in cache:
            try:
                cache[key] = target.convert(raw, target.name)
            except ValueError_ as error:
                cache[key] = error
        if isinstance(cache[key], ValueError_):
            raise cache[key]
        values[target.name] = cache[key]
    return values
