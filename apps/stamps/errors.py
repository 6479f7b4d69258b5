"""Domain errors of the stamps app."""

from apps.common.errors import DomainError


class StampError(DomainError):
    default_code = "invalid_stamp"
