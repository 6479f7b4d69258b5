"""Reads over producers."""

from __future__ import annotations

from django.db.models import QuerySet

from apps.common.text import fold
from apps.producers.models import Producer
from apps.territory.models import AdministrativeUnit


def producers(
    *, legal_form: str | None = None, commune: AdministrativeUnit | None = None, query: str = ""
) -> QuerySet[Producer]:
    """Producers, optionally of one legal form, in one commune, or whose name contains ``query``.

    ``query`` ignores diacritics and case ("hop tac xa" finds "Hợp tác xã").
    """
    queryset = Producer.objects.select_related("commune")
    if legal_form:
        queryset = queryset.filter(legal_form=legal_form)
    if commune is not None:
        queryset = queryset.filter(commune=commune)
    folded = fold(query)
    if folded:
        queryset = queryset.filter(search_name__contains=folded)
    return queryset


def producer_by_tax_code(tax_code: str) -> Producer | None:
    return Producer.objects.filter(tax_code="".join((tax_code or "").split())).first()
