"""Reads for the officers' reports (báo cáo): the quarterly report and the data-quality lists, within a scope."""

from apps.reports.selectors.quality import QUALITY_LISTS, Cell, QualityList, admin_url, data_quality
from apps.reports.selectors.quarterly import (
    COMMUNE,
    DISTRICT,
    GROUPINGS,
    Quarter,
    QuarterlyReport,
    Row,
    Section,
    parse_grouping,
    parse_quarter,
    quarterly_report,
)
from apps.reports.selectors.scope import (
    PROVINCE_WIDE,
    ReportError,
    ReportScope,
    records_in_scope,
    report_scope_for,
    scope_label,
)

__all__ = [
    "COMMUNE", "DISTRICT", "GROUPINGS", "PROVINCE_WIDE", "QUALITY_LISTS", "Cell", "QualityList", "Quarter",
    "QuarterlyReport", "ReportError", "ReportScope", "Row", "Section", "admin_url", "data_quality", "parse_grouping",
    "parse_quarter", "quarterly_report", "records_in_scope", "report_scope_for", "scope_label",
]
