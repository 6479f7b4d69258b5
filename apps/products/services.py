"""State changes for OCOP products (sản phẩm OCOP): registration, updates, e-commerce links and photos."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.utils.translation import gettext as _

from apps.common.errors import DomainError
from apps.common.text import fold, vietnamese_slug
from apps.producers.models import Producer
from apps.products.gtin import GtinError, to_gtin14, validate_gtin
from apps.products.models import (
    ClassificationLevel,
    LinkKind,
    Product,
    ProductCategory,
    ProductKind,
    ProductLink,
    ProductPhoto,
)
from apps.territory.models import AdministrativeUnit, Era, Level


class ProductError(DomainError):
    default_code = "invalid_product"


# Hosts a marketplace link must point to (suffix match); "website" and "other" take any host.
MARKETPLACE_HOSTS = {
    LinkKind.SHOPEE: ("shopee.vn", "shopee.com", "shp.ee"),
    LinkKind.LAZADA: ("lazada.vn", "lazada.com"),
    LinkKind.TIKI: ("tiki.vn",),
    LinkKind.TIKTOK: ("tiktok.com",),
    LinkKind.POSTMART: ("postmart.vn",),
}

_EDITABLE_FIELDS = (
    "name", "name_en", "kind", "category", "producer", "gtin", "short_description", "story", "video_url",
    "declared_standard", "shelf_life_days", "tags",
)
_TEXT_FIELDS = {"name_en", "short_description", "story", "video_url", "declared_standard", "gtin"}


def _unique_slug(name: str, *, exclude_pk: int | None = None) -> str:
    base = vietnamese_slug(name)[:200] or "product"
    taken = set(Product.objects.filter(slug__startswith=base).exclude(pk=exclude_pk).values_list("slug", flat=True))
    slug, counter = base, 2
    while slug in taken:
        slug, counter = f"{base}-{counter}", counter + 1
    return slug


def _kind_label(kind: str) -> str:
    return str(ProductKind(kind).label).lower() if kind in ProductKind.values else kind


def _check_category(category: ProductCategory | None) -> None:
    if category is None:
        raise ProductError("category_required", _("Classification: choose the product's group."), field="category")
    if category.level == ClassificationLevel.INDUSTRY and category.children.exists():
        raise ProductError(
            "category_too_broad",
            _("Classification: %(category)s is an industry; choose one of its groups.") % {"category": category.name},
            field="category",
        )


def _check_gtin(gtin: str, *, exclude_pk: int | None) -> str:
    if not gtin:
        return ""
    try:
        digits = validate_gtin(gtin)
    except GtinError as exc:
        raise ProductError(exc.code, exc.message, field="gtin") from exc
    gtin14 = to_gtin14(digits)
    candidates = Product.objects.exclude(gtin="").exclude(pk=exclude_pk).filter(gtin__endswith=digits.lstrip("0"))
    for other in candidates:
        if to_gtin14(other.gtin) == gtin14:
            raise ProductError(
                "duplicate_gtin",
                _("GTIN: %(gtin)s already identifies %(product)s.") % {"gtin": digits, "product": other.name},
                field="gtin",
            )
    return digits


def _check_origin_communes(communes: Iterable[AdministrativeUnit]) -> list[AdministrativeUnit]:
    communes = list(communes)
    for commune in communes:
        if commune.era != Era.CURRENT or commune.level != Level.COMMUNE:
            raise ProductError(
                "origin_not_current_commune",
                _("Origin communes: %(unit)s is not a commune of the 2025 administrative map.") % {"unit": commune},
                field="origin_communes",
            )
    return communes


def _apply(product: Product, values: dict[str, Any]) -> None:
    """Validate ``values`` and set them on ``product`` (not saved)."""
    for name in _TEXT_FIELDS & set(values):
        values[name] = (values[name] or "").strip()
    if "name" in values:
        values["name"] = (values["name"] or "").strip()
        if not values["name"]:
            raise ProductError("name_required", _("Name: the product's name is required."), field="name")
    if "category" in values:
        _check_category(values["category"])
    if "producer" in values and not isinstance(values["producer"], Producer):
        raise ProductError("producer_required", _("Producer: choose the product's producer."), field="producer")
    if "gtin" in values:
        values["gtin"] = _check_gtin(values["gtin"], exclude_pk=product.pk)
    if "tags" in values:
        values["tags"] = sorted({fold(tag) for tag in values["tags"] or () if fold(tag)})
    for name, value in values.items():
        setattr(product, name, value)

    expected_kind = product.category.kind
    if "kind" in values and values["kind"] and values["kind"] != expected_kind:
        raise ProductError(
            "kind_category_mismatch",
            _("Kind: %(category)s classifies %(expected)s, so the product cannot be %(kind)s.")
            % {"category": product.category.name, "expected": _kind_label(product.category.kind),
               "kind": _kind_label(values["kind"])},
            field="kind",
        )
    product.kind = expected_kind
    try:
        product.full_clean(exclude=["slug", "search_name", "origin_communes", "gtin"], validate_unique=False)
    except ValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        raise ProductError("invalid_field", f"{field}: {' '.join(messages)}", field=field) from exc


@transaction.atomic
def register_product(
    *,
    name: str,
    category: ProductCategory,
    producer: Producer,
    kind: str | None = None,
    origin_communes: Iterable[AdministrativeUnit] | None = None,
    gtin: str = "",
    name_en: str = "",
    short_description: str = "",
    story: str = "",
    video_url: str = "",
    declared_standard: str = "",
    shelf_life_days: int | None = None,
    tags: Iterable[str] = (),
) -> Product:
    """Register an OCOP product; fill its slug, search name and origin communes.

    ``kind`` follows the category (tourism categories classify services); a contradicting ``kind`` is refused
    (``kind_category_mismatch``). Origin communes default to the producer's commune. A GTIN is optional; when
    given it must have a valid GS1 check digit and identify no other product.
    """
    product = Product()
    _apply(product, {
        "name": name, "category": category, "producer": producer, "kind": kind, "gtin": gtin, "name_en": name_en,
        "short_description": short_description, "story": story, "video_url": video_url,
        "declared_standard": declared_standard, "shelf_life_days": shelf_life_days, "tags": list(tags),
    })
    communes = _check_origin_communes(origin_communes if origin_communes is not None else [producer.commune])
    product.slug = _unique_slug(product.name)
    product.search_name = fold(product.name)
    product.save()
    product.origin_communes.set(communes)
    return product


@transaction.atomic
def update_product(
    *, product: Product, origin_communes: Iterable[AdministrativeUnit] | None = None, **changes: Any
) -> Product:
    """Change a product's fields with the checks of :func:`register_product`; a new name gives a new slug."""
    unknown = set(changes) - set(_EDITABLE_FIELDS)
    if unknown:
        raise ProductError("unknown_field", _("Unknown field(s): %(fields)s.") % {"fields": ", ".join(sorted(unknown))})
    product = Product.objects.select_for_update().get(pk=product.pk)
    old_name = product.name
    _apply(product, dict(changes))
    if product.name != old_name or not product.slug:
        product.slug = _unique_slug(product.name, exclude_pk=product.pk)
    product.search_name = fold(product.name)
    product.save()
    if origin_communes is not None:
        product.origin_communes.set(_check_origin_communes(origin_communes))
    return product


def check_link(kind: str, url: str) -> str:
    """Return ``url`` stripped if it suits ``kind`` (a marketplace link must point to it), else raise."""
    url = (url or "").strip()
    if kind not in LinkKind.values:
        raise ProductError("invalid_link_kind", _("Link kind: %(kind)s is unknown.") % {"kind": kind}, field="kind")
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ProductError("invalid_url", _("URL: %(url)s is not a web address (http/https).") % {"url": url or "∅"},
                           field="url")
    hosts = MARKETPLACE_HOSTS.get(kind)
    host = parts.hostname.lower()
    if hosts and not any(host == allowed or host.endswith("." + allowed) for allowed in hosts):
        raise ProductError(
            "link_host_mismatch",
            _("URL: a %(kind)s link must point to %(hosts)s, not %(host)s.")
            % {"kind": LinkKind(kind).label, "hosts": ", ".join(hosts), "host": host},
            field="url",
        )
    return url


@transaction.atomic
def add_product_link(*, product: Product, kind: str, url: str) -> ProductLink:
    """Add an e-commerce or web link; a marketplace link must point to that marketplace."""
    url = check_link(kind, url)
    if ProductLink.objects.filter(product=product, url=url).exists():
        raise ProductError("duplicate_link", _("URL: %(url)s is already linked to this product.") % {"url": url},
                           field="url")
    return ProductLink.objects.create(product=product, kind=kind, url=url)


@transaction.atomic
def update_product_link(*, link: ProductLink, kind: str, url: str) -> ProductLink:
    url = check_link(kind, url)
    if ProductLink.objects.filter(product_id=link.product_id, url=url).exclude(pk=link.pk).exists():
        raise ProductError("duplicate_link", _("URL: %(url)s is already linked to this product.") % {"url": url},
                           field="url")
    link.kind, link.url = kind, url
    link.save(update_fields=["kind", "url"])
    return link


@transaction.atomic
def add_product_photo(*, product: Product, image: File, caption: str = "", position: int | None = None
                      ) -> ProductPhoto:
    """Attach a photo; without ``position`` it goes after the existing ones."""
    if not image:
        raise ProductError("image_required", _("Image: choose a photo to upload."), field="image")
    if position is None:
        last = product.photos.order_by("-position").values_list("position", flat=True).first()
        position = 0 if last is None else last + 1
    return ProductPhoto.objects.create(product=product, image=image, caption=(caption or "").strip(),
                                       position=position)
