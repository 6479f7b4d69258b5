"""Serializer fields shared by the record API: units by official code, producers by tax number, GeoJSON in."""

from __future__ import annotations

from rest_framework import serializers

from apps.territory.models import AdministrativeUnit, Era, Level


def commune_field(**kwargs) -> serializers.SlugRelatedField:
    """A 2025 commune given by its official code."""
    return serializers.SlugRelatedField(
        slug_field="code", queryset=AdministrativeUnit.objects.filter(era=Era.CURRENT, level=Level.COMMUNE), **kwargs)


def legacy_unit_field(level: str, **kwargs) -> serializers.SlugRelatedField:
    """A unit before the 2025 reform (district or commune) given by its official code."""
    return serializers.SlugRelatedField(
        slug_field="code", queryset=AdministrativeUnit.objects.filter(era=Era.LEGACY, level=level), **kwargs)


def producer_field(**kwargs) -> serializers.SlugRelatedField:
    """A producer given by its tax / business registration number."""
    from apps.producers.models import Producer

    return serializers.SlugRelatedField(slug_field="tax_code", queryset=Producer.objects.all(), **kwargs)


class GeoJSONInput(serializers.JSONField):
    """A GeoJSON geometry (a dict, or its text); the service normalises and validates it."""
