"""Example stamp URLs of the demo, one per banner of the public product page (see fixtures/demo/traceability.json).

Looked up afresh on every call: a "first scan" link is a stamp nobody has scanned yet, so once a visitor opens
it, the next call offers another one.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from apps.demo.chains import SEED, demo_run, unknown_serial
from apps.demo.seedfiles import seed_file
from apps.stamps.models import Stamp
from apps.stamps.rendering import stamp_url


@dataclass(frozen=True)
class DemoLink:
    state: str   # the banner's data-state on the page ("first-scan", "revoked", "ocop-expired"…)
    label: str
    url: str


def _stamp(spec: dict) -> Stamp | None:
    run = demo_run(spec["lot"], spec["run"])
    if run is None:
        return None
    stamps = Stamp.objects.filter(run=run, is_flagged=spec.get("flagged", False))
    if "status" in spec:
        stamps = stamps.filter(status=spec["status"])
    if spec.get("scanned") is True:
        stamps = stamps.filter(scan_count__gt=0)
    elif spec.get("scanned") is False:
        stamps = stamps.filter(scan_count=0)
    return stamps.select_related("lot__product").order_by("scan_count", "sequence").first()


def _rebase(url: str, base_url: str | None) -> str:
    if base_url and url.startswith(settings.PUBLIC_BASE_URL):
        return base_url.rstrip("/") + url[len(settings.PUBLIC_BASE_URL):]
    return url


def demo_links(*, base_url: str | None = None) -> list[DemoLink]:
    """One stamp URL per banner state, on ``base_url`` instead of ``PUBLIC_BASE_URL`` when given.

    A state whose stamp is missing (demo not loaded, or every fresh stamp used up) is left out.
    """
    links = []
    for spec in seed_file(SEED)["links"]:
        if spec["state"] == "unknown":
            url = f"{settings.PUBLIC_BASE_URL}/s/{unknown_serial()}"
        else:
            stamp = _stamp(spec)
            if stamp is None:
                continue
            url = stamp_url(stamp)
        links.append(DemoLink(state=spec["state"], label=spec["label"], url=_rebase(url, base_url)))
    return links


def log_demo_links(log, *, base_url: str | None = None) -> None:
    """Write the example links, one per line, through ``log``."""
    links = demo_links(base_url=base_url)
    if not links:
        return
    log("example stamp pages, one per banner (open them in a browser or scan their QR):")
    width = max(len(link.label) for link in links)
    for link in links:
        log(f"  {link.label:<{width}}  {link.url}")
