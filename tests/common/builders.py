"""Plain-ORM builders for records of other apps that our tests only need as neighbours."""

from __future__ import annotations

import itertools

from apps.producers.models import Producer
from apps.products.models import Product, ProductCategory
from apps.territory.models import AdministrativeUnit, Era, Level

_numbers = itertools.count(1)


def make_producer(name: str = "HTX Cà phê Ea Tu") -> Producer:
    number = next(_numbers)
    commune = AdministrativeUnit.objects.filter(era=Era.CURRENT, level=Level.COMMUNE).order_by("code").first()
    return Producer.objects.create(name=name, legal_form="htx", tax_code=f"{6000000000 + number}", commune=commune,
                                   slug=f"producer-{number}")


def make_product(producer: Producer, name: str = "Cà phê bột Ea Tu") -> Product:
    number = next(_numbers)
    category, _ = ProductCategory.objects.get_or_create(scheme="test", code="food", defaults={
        "name": "Thực phẩm", "level": "industry"})
    return Product.objects.create(name=name, category=category, producer=producer, slug=f"product-{number}")
