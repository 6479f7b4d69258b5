"""The stamps' QR codes (segno), and their module matrices for a whole sheet across the machine's cores.

Encoding a stamp URL costs segno about 3-12 ms depending on the machine, most of it choosing the best of the eight
masks in pure Python: a 1,000-stamp sheet is mostly that. :class:`MatrixPool` spreads a sheet's pages over worker
processes (one per core), started with ``forkserver`` so that a threaded parent (a web worker) is never forked; the
workers import this module only (segno, no Django). Every code is still segno's own, mask choice included: the PDF
shows exactly the code the PNG and SVG of the same stamp show.
"""

from __future__ import annotations

import concurrent.futures
import functools
import math
import multiprocessing
import os
from collections.abc import Callable

import segno


def make_qr(url: str, error_correction: str = "M") -> segno.QRCode:
    return segno.make_qr(url, error=error_correction.lower(), boost_error=False)


def matrix(url: str, error_correction: str = "M") -> tuple[bytes, ...]:
    """The code's modules, a row of 0/1 bytes per line (no quiet zone)."""
    return tuple(bytes(row) for row in make_qr(url, error_correction).matrix)


def _matrices(urls: list[str], error_correction: str) -> list[tuple[bytes, ...]]:
    return [matrix(url, error_correction) for url in urls]


class MatrixPool:
    """Matrices of batches of URLs, in order; in worker processes once a batch is large enough to pay for them.

    Use as a context manager: the workers (started at the first large batch) are stopped on exit, also when the
    consumer of a streamed sheet goes away.
    """

    def __init__(self, error_correction: str, *, workers: int | None = None, min_batch: int = 24) -> None:
        self.error_correction = error_correction
        self.workers = workers if workers is not None else (os.cpu_count() or 1)
        self.min_batch = min_batch
        self._pool: concurrent.futures.ProcessPoolExecutor | None = None

    def __enter__(self) -> MatrixPool:
        return self

    def __exit__(self, *exc_info) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def submit(self, urls: list[str]) -> Callable[[], list[tuple[bytes, ...]]]:
        """Start on ``urls``' matrices; the returned function gives them, in order (computed here if not started).

        Submitting the next page before drawing this one keeps the workers busy while the page is drawn.
        """
        if self.workers < 2 or len(urls) < self.min_batch:
            return functools.partial(_matrices, urls, self.error_correction)
        if self._pool is None:
            self._pool = concurrent.futures.ProcessPoolExecutor(
                max_workers=self.workers, mp_context=multiprocessing.get_context("forkserver"))
        size = math.ceil(len(urls) / self.workers)
        futures = [self._pool.submit(_matrices, urls[start:start + size], self.error_correction)
                   for start in range(0, len(urls), size)]
        return lambda: [code for future in futures for code in future.result()]
