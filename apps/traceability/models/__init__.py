"""Traceability models: lots (hồ sơ lô), the electronic logbook, declarations and inspections."""

from apps.traceability.models.dossier import ProductDeclaration
from apps.traceability.models.inspections import Inspection, InspectionPhoto, InspectionResult, LocationSource
from apps.traceability.models.logbook import (
    CBV_BIZ_STEPS,
    EPCIS_EVENT_TYPES,
    GENESIS_HASH,
    STEP_DEFAULTS,
    Action,
    AppendOnlyError,
    BizStep,
    BusinessDocumentKind,
    Disposition,
    EventType,
    LotRole,
    TraceEvent,
    TraceEventAttachment,
    TraceEventLot,
)
from apps.traceability.models.lots import LOT_CODE_PATTERN, Lot, LotSourceZone, LotStatus

__all__ = [
    "CBV_BIZ_STEPS", "EPCIS_EVENT_TYPES", "GENESIS_HASH", "LOT_CODE_PATTERN", "STEP_DEFAULTS", "Action",
    "AppendOnlyError", "BizStep", "BusinessDocumentKind", "Disposition", "EventType", "Inspection",
    "InspectionPhoto", "InspectionResult", "LocationSource", "Lot", "LotRole", "LotSourceZone", "LotStatus",
    "ProductDeclaration", "TraceEvent", "TraceEventAttachment", "TraceEventLot",
]
