"""QR stamps: issuing 100,000 stamps, the A4 PDF sheet for 1,000, and stamp images against the bare QR library.

Run with ``./ocop bench stamps [--issue N] [--sheet N] [--images N] [--keepdb]``.

- Data: a throwaway database (``test_ocop_bench_stamps``), migrated from scratch, with one product and lot.
- Issue: ``issue_stamp_run`` end to end (serials from ``secrets``, COPY through a staging table, unique index).
  Target ≤ 10 s for 100,000.
- Sheet: the streamed PDF of a run of ``--sheet`` stamps, read from the database and written to memory (the codes
  of full pages encoded in one worker process per core while the page before is drawn: ``apps.stamps.qrcodes``).
  Target ≤ 10 s for 1,000.
- Images: our PNG (and SVG) per stamp against a bare loop of segno making the same codes with the same settings;
  the ratio is ours / bare (1.0 = no overhead).
"""

from __future__ import annotations

import argparse
import io
import time

from _stamps_common import start_django


def main() -> None:
    parser = argparse.ArgumentParser(description="Benchmark QR stamp issuing and outputs.")
    parser.add_argument("--issue", type=int, default=100_000)
    parser.add_argument("--sheet", type=int, default=1_000)
    parser.add_argument("--images", type=int, default=1_000)
    parser.add_argument("--keepdb", action="store_true")
    arguments = parser.parse_args()
    config = start_django("test_ocop_bench_stamps", arguments.keepdb)
    try:
        run(arguments)
    finally:
        if not arguments.keepdb:
            from django.test.utils import teardown_databases

            teardown_databases(config, verbosity=0)


def run(arguments: argparse.Namespace) -> None:
    import segno
    from _stamps_common import make_lots

    from apps.stamps import rendering, selectors
    from apps.stamps.outputs import run_sheet
    from apps.stamps.services import issue_stamp_run

    [lot] = make_lots(1)
    started = time.perf_counter()
    big = issue_stamp_run(lot=lot, count=arguments.issue)
    issue_seconds = time.perf_counter() - started
    import os

    print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    print(f"issue {arguments.issue:>9,} stamps      {issue_seconds:7.2f} s   "
          f"({arguments.issue / issue_seconds:,.0f} stamps/s)   "
          f"target ≤ 10 s: {'OK' if issue_seconds <= 10 else 'MISSED'}")

    sheet_run = issue_stamp_run(lot=lot, count=arguments.sheet)
    started = time.perf_counter()
    size = sum(len(chunk) for chunk in run_sheet(sheet_run))
    sheet_seconds = time.perf_counter() - started
    print(f"PDF sheet {arguments.sheet:>6,} stamps     {sheet_seconds:7.2f} s   ({size / 1024:,.0f} KiB)   "
          f"target ≤ 10 s: {'OK' if sheet_seconds <= 10 else 'MISSED'}")

    prefix = selectors.run_prefix(big)
    urls = [prefix + serial for _sequence, serial, _status in list(selectors.run_items(big))[:arguments.images]]

    def ours_png():
        for url in urls:
            rendering.png_bytes(url)

    def bare_png():
        for url in urls:
            buffer = io.BytesIO()
            segno.make_qr(url, error="m", boost_error=False).save(buffer, kind="png", scale=8, border=4)

    def ours_svg():
        for url in urls:
            rendering.svg_bytes(url)

    def bare_svg():
        for url in urls:
            buffer = io.BytesIO()
            segno.make_qr(url, error="m", boost_error=False).save(buffer, kind="svg", border=4, xmldecl=False,
                                                                  svgns=True, unit=None)

    for label, ours, bare in (("PNG", ours_png, bare_png), ("SVG", ours_svg, bare_svg)):
        timings = {"ours": float("inf"), "bare": float("inf")}
        for _round in range(3):  # interleaved, best of three: the machine's other load hits both alike
            for name, function in (("ours", ours), ("bare", bare)):
                started = time.perf_counter()
                function()
                timings[name] = min(timings[name], time.perf_counter() - started)
        print(f"{label} x {len(urls):,}: ours {timings['ours'] * 1000 / len(urls):6.3f} ms/stamp, bare segno "
              f"{timings['bare'] * 1000 / len(urls):6.3f} ms/stamp   "
              f"ratio ours/bare {timings['ours'] / timings['bare']:.2f}")


if __name__ == "__main__":
    main()
