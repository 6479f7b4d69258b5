"""The permission matrix as the tests expect it, written out by hand from the table in apps/accounts/permissions.py.

``EXPECTED[role][kind] = (on the record in commune A / of producer A, on the record in commune B)`` as letters
C R U D. "zone" is a proposed (unpublished) zone; the B side of unpublished kinds is invisible to scoped roles.
"""

KINDS = ["producer", "product", "rating", "zone", "growing_area_code", "packing_facility", "production_facility",
         "sales_point", "tourism_site", "certification", "inspection", "lot", "trace_event", "stamp_run"]
UNPUBLISHED = {"zone", "inspection", "lot", "trace_event", "stamp_run"}


def _published_only() -> dict[str, tuple[str, str]]:
    return {kind: ("" if kind in UNPUBLISHED else "R",) * 2 for kind in KINDS}


def _everything(trace: str = "CR", stamps: str = "CRU") -> dict[str, tuple[str, str]]:
    table = {kind: ("CRUD", "CRUD") for kind in KINDS}
    table["trace_event"] = (trace, trace)
    table["stamp_run"] = (stamps, stamps)
    return table


def _scoped(in_scope: dict[str, str]) -> dict[str, tuple[str, str]]:
    outside = _published_only()
    return {kind: (in_scope[kind], outside[kind][1]) for kind in KINDS}


EXPECTED = {
    "provincial_admin": _everything(trace="CRUD", stamps="CRUD"),
    "provincial_office": _everything(),
    "commune_officer": _scoped({
        "producer": "CRU", "product": "CRU", "rating": "R", "zone": "CRUD", "growing_area_code": "R",
        "packing_facility": "R", "production_facility": "CRUD", "sales_point": "CRUD", "tourism_site": "CRUD",
        "certification": "R", "inspection": "R", "lot": "R", "trace_event": "R", "stamp_run": "R"}),
    "legacy_district_officer": _scoped({kind: "R" for kind in KINDS}),
    "inspector": {**{kind: ("R", "R") for kind in KINDS}, "growing_area_code": ("CRU", "CRU"),
                  "packing_facility": ("CRU", "CRU"), "certification": ("CRUD", "CRUD"),
                  "inspection": ("CRU", "CRU")},
    "council_member": {**{kind: ("R", "R") for kind in KINDS}, "lot": ("", ""), "trace_event": ("", ""),
                       "stamp_run": ("", "")},
    "producer": _scoped({
        "producer": "RU", "product": "CRU", "rating": "R", "zone": "CRUD", "growing_area_code": "R",
        "packing_facility": "R", "production_facility": "CRUD", "sales_point": "CRU", "tourism_site": "CRU",
        "certification": "R", "inspection": "R", "lot": "CRUD", "trace_event": "CR", "stamp_run": "CRU"}),
    "public": _published_only(),
}
