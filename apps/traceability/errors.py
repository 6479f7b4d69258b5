"""Domain errors of the traceability app."""

from apps.common.errors import DomainError


class TraceabilityError(DomainError):
    default_code = "invalid_traceability"


class LotError(TraceabilityError):
    default_code = "invalid_lot"


class LogbookError(TraceabilityError):
    default_code = "invalid_event"


class DeclarationError(TraceabilityError):
    default_code = "invalid_declaration"


class InspectionError(TraceabilityError):
    default_code = "invalid_inspection"
