"""Outputs of a stamp run as streams: the PDF sheet and the CSV manifest, shared by the API, the officer page and
the ``issue_stamps`` command."""

from __future__ import annotations

from collections.abc import Iterator

from apps.stamps import rendering, selectors
from apps.stamps.models import StampRun


def run_sheet(run: StampRun, options: dict | None = None) -> Iterator[bytes]:
    """The run's A4 PDF sheet, streamed (``options`` override the run's print options)."""
    prefix = selectors.run_prefix(run)
    items = (rendering.SheetItem(serial, prefix + serial) for _sequence, serial, _status in selectors.run_items(run))
    return rendering.pdf_sheet(items, {**run.options, **(options or {})})


def run_manifest(run: StampRun) -> Iterator[str]:
    """The run's CSV manifest for the print shop, streamed."""
    prefix = selectors.run_prefix(run)
    lot = run.lot
    rows = ({"sequence": sequence, "serial": serial, "url": prefix + serial, "status": status, "lot": lot.code,
             "gtin": lot.product.gtin, "run": run.pk} for sequence, serial, status in selectors.run_items(run))
    return rendering.manifest_csv(rows)
