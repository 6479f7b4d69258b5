"""GS1 Digital Link link sets (RFC 9264 ``application/linkset+json``) for a stamp, and the HTTP ``Link`` header.

Link types are GS1 Web Vocabulary terms, written out as URIs as the GS1-Conformant Resolver standard does
(``https://gs1.org/voc/pip`` is ``gs1:pip``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from django.conf import settings
from django.utils import translation
from django.utils.encoding import iri_to_uri
from django.utils.translation import gettext as _

from apps.certifications.models import Certification
from apps.products.models import Product, ProductLink
from apps.stamps import localcache
from apps.stamps.models import Stamp
from apps.stamps.rendering import stamp_url
from apps.stamps.selectors import epcis_url, province_today

GS1 = "https://gs1.org/voc/"
PIP, TRACEABILITY, CERTIFICATION_INFO = GS1 + "pip", GS1 + "traceability", GS1 + "certificationInfo"
DEFAULT_LINK, RELATED_VIDEO, HAS_RETAILERS = GS1 + "defaultLink", GS1 + "relatedVideo", GS1 + "hasRetailers"
LINKSET_TYPE = "application/linkset+json"


@dataclass(frozen=True)
class Link:
    rel: str
    href: str
    title: str
    type: str = "text/html"
    hreflang: tuple[str, ...] = ()

    def as_target(self) -> dict:
        target = {"href": self.href, "title": self.title, "type": self.type}
        if self.hreflang:
            target["hreflang"] = list(self.hreflang)
        return target


def _absolute(path_or_url: str) -> str:
    return path_or_url if "://" in path_or_url else settings.PUBLIC_BASE_URL + path_or_url


PAGE = "@@PAGE@@"  # stands for the stamp's own URL in the per-lot link list


def _lot_links(stamp: Stamp, version: int | None = None) -> list[Link]:
    """The links of a stamp's lot, with :data:`PAGE` for the stamp's URL; cached per lot, language and day (and
    lot ``page_version`` when given)."""
    lot = stamp.lot
    today = province_today()
    return localcache.get_or_set(("links", lot.pk, translation.get_language(), today), lambda: _links_of(lot, today),
                                 settings.STAMPS_PAGE_CACHE_SECONDS, version=version)


def _links_of(lot, today) -> list[Link]:
    languages = tuple(code for code, _name in settings.LANGUAGES)
    product = lot.product
    links = [Link(DEFAULT_LINK, PAGE, _("Product page"), hreflang=languages),
             Link(PIP, PAGE, _("Product page"), hreflang=languages)]
    epcis = epcis_url(lot)
    if epcis:
        links.append(Link(TRACEABILITY, _absolute(epcis), _("Traceability events (EPCIS 2.0)"), "application/ld+json"))
    certifications = list(Certification.objects.filter(product_id=product.pk, valid_from__lte=today)
                          .exclude(valid_to__lt=today).order_by("-valid_from")[:10])
    for certification in certifications:
        href = _absolute(certification.document.url) if certification.document else f"{PAGE}#certifications"
        links.append(Link(CERTIFICATION_INFO, href, str(certification),
                          "application/pdf" if certification.document else "text/html"))
    if not certifications:
        links.append(Link(CERTIFICATION_INFO, f"{PAGE}#certifications", _("Certifications and inspections")))
    video_url, = Product.objects.filter(pk=product.pk).values_list("video_url", flat=True)
    if video_url:
        links.append(Link(RELATED_VIDEO, video_url, _("Product story video")))
    for link in ProductLink.objects.filter(product_id=product.pk).order_by("id")[:10]:
        links.append(Link(HAS_RETAILERS, link.url, link.get_kind_display()))
    return links


def stamp_links(stamp: Stamp) -> list[Link]:
    """The links a stamp's Digital Link resolves to: the product page first (it is the default link)."""
    page = stamp_url(stamp)
    return [replace(link, href=link.href.replace(PAGE, page)) if PAGE in link.href else link
            for link in _lot_links(stamp)]


def linkset(stamp: Stamp, links: list[Link]) -> dict:
    """The RFC 9264 link set document for ``stamp``."""
    context: dict = {"anchor": stamp_url(stamp), "itemDescription": str(stamp.lot.product)}
    for link in links:
        context.setdefault(link.rel, []).append(link.as_target())
    return {"linkset": [context]}


def link_header(stamp: Stamp, links: list[Link]) -> str:
    """An HTTP ``Link`` header listing every link (ASCII only: titles stay in the link set)."""
    return _header(links, stamp_url(stamp))


def _header(links: list[Link], page: str) -> str:
    items = [f'<{iri_to_uri(link.href)}>; rel="{link.rel}"; type="{link.type}"' for link in links]
    items.append(f'<{page}?linkType=all>; rel="linkset"; type="{LINKSET_TYPE}"')
    return ", ".join(items)


def stamp_link_header(stamp: Stamp, version: int | None = None) -> str:
    """``link_header`` of the stamp's own links, from its lot's header cached with :data:`PAGE` in it (checked
    against the lot's ``page_version`` when given)."""
    lot = stamp.lot
    template = localcache.get_or_set(link_header_cache_key(lot.pk, translation.get_language(), province_today()),
                                     lambda: _header(_lot_links(stamp, version), PAGE),
                                     settings.STAMPS_PAGE_CACHE_SECONDS, version=version)
    return fill_link_header(template, stamp_url(stamp))


def link_header_cache_key(lot_id: int, language: str, day) -> tuple:
    """Key of a lot's ``Link`` header template (:data:`PAGE` where the stamp URL goes), per language and day."""
    return ("link-header", lot_id, language, day)


def fill_link_header(template: str, url: str) -> str:
    return template.replace(PAGE, iri_to_uri(url))
