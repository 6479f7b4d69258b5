"""Domain errors: every refused state change raises one, with a stable machine-readable code.

Views translate ``code`` into an HTTP status or a form error; the message is user-facing and
translated (Vietnamese by default).
"""

from __future__ import annotations


class DomainError(Exception):
    """A refused state change. ``code`` is stable; ``message`` is for people; ``field`` names the input."""

    default_code = "invalid"

    def __init__(self, code: str | None = None, message: str = "", *, field: str | None = None, **params):
        self.code = code or self.default_code
        self.message = str(message) if message else self.code
        self.field = field
        self.params = params
        super().__init__(self.message)

    def as_dict(self) -> dict:
        data = {"code": self.code, "message": self.message}
        if self.field:
            data["field"] = self.field
        if self.params:
            data["params"] = {key: _plain(value) for key, value in self.params.items()}
        return data

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.code!r}, {self.message!r}, field={self.field!r})"


def _plain(value):
    if isinstance(value, int | float | str | bool) or value is None:
        return value
    return str(value)
