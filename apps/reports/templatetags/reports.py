"""Template filters of the report pages."""

from django import template

from apps.reports.renderers import display_number

register = template.Library()


@register.filter
def figure(value) -> str:
    """A report figure as in the PDF: grouped thousands, two decimals for sums (hectares, tonnes)."""
    return display_number(value)
