"""Calling a WSGI application from tests the way a server does (the fast path sits outside Django's test client)."""

from __future__ import annotations

from contextlib import contextmanager

from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import RequestFactory


@contextmanager
def _keep_test_connection():
    """Like Django's test client: a request must not recycle the connection holding the test's transaction."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


class Answer:
    def __init__(self, status: str, headers: list[tuple[str, str]], body: bytes, environ: dict) -> None:
        self.status_code = int(status.split()[0])
        self.headers = dict(headers)
        self.body = body
        self.environ = environ

    @property
    def text(self) -> str:
        return self.body.decode()

    @property
    def served_by_django(self) -> bool:
        """Django answered (the view marked the response for the fast path, or took over from it)."""
        return any(key.startswith("ocop.") for key in self.environ)


def call(app, path: str, **extra) -> Answer:
    """One request through a WSGI application, as a server would make it (the response closed at the end)."""
    environ = RequestFactory().get(path, **extra).environ
    captured = {}

    def start_response(status, headers, exc_info=None):
        captured.update(status=status, headers=headers)

    with _keep_test_connection():
        result = app(environ, start_response)
        try:
            body = b"".join(result)
        finally:
            if hasattr(result, "close"):
                result.close()
    return Answer(captured["status"], captured["headers"], body, environ)
