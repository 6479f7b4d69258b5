import datetime

import pytest
from django.db import IntegrityError, transaction

from apps.traceability.errors import DeclarationError
from apps.traceability.models import BizStep, ProductDeclaration
from apps.traceability.selectors import consistency_issues, declaration_in_force, lot_declaration
from apps.traceability.services import create_lot, declare_product, record_event
from tests.traceability.conftest import at


@pytest.fixture
def versions(product):
    first = declare_product(product=product, standard_applied="TCCS 01:2020/HTX", composition="100% cà phê Robusta",
                            net_quantity="500 g", shelf_life_days=365, effective_from=datetime.date(2020, 1, 1))
    second = declare_product(product=product, standard_applied="TCCS 01:2024/HTX",
                             composition="100% cà phê Robusta rang mộc", net_quantity="500 g", shelf_life_days=365,
                             effective_from=datetime.date(2024, 1, 1))
    return first, second


def test_a_new_version_closes_the_previous_one_the_day_before(versions):
    first, second = versions
    first.refresh_from_db()
    assert first.effective_to == datetime.date(2023, 12, 31)
    assert (first.version, second.version, second.effective_to) == (1, 2, None)


def test_the_version_in_force_is_chosen_by_date(product, versions):
    first, second = versions
    assert declaration_in_force(product, on=datetime.date(2019, 12, 31)) is None
    assert declaration_in_force(product, on=datetime.date(2023, 12, 31)) == first
    assert declaration_in_force(product, on=datetime.date(2024, 1, 1)) == second
    old_lot = create_lot(product=product, code="L-2023", production_date=datetime.date(2023, 6, 1))
    assert lot_declaration(old_lot) == first


def test_a_new_version_cannot_start_before_the_latest(product, versions):
    with pytest.raises(DeclarationError) as error:
        declare_product(product=product, standard_applied="X", composition="X", net_quantity="1 kg",
                        shelf_life_days=30, effective_from=datetime.date(2022, 1, 1))
    assert error.value.code == "declaration_out_of_order"
    assert error.value.field == "effective_from"


def test_the_database_refuses_overlapping_versions(product, versions):
    with pytest.raises(IntegrityError), transaction.atomic():
        ProductDeclaration.objects.create(product=product, version=9, standard_applied="X", composition="X",
                                          net_quantity="1 kg", shelf_life_days=30, producer=product.producer,
                                          producer_name="X", effective_from=datetime.date(2023, 6, 1),
                                          effective_to=datetime.date(2024, 6, 1))


def test_a_lot_that_agrees_with_its_declaration_has_no_issues(lot, versions):
    assert consistency_issues(lot) == []


def test_expiry_beyond_the_declared_shelf_life_is_listed(product, versions):
    lot = create_lot(product=product, code="L-LONG", production_date=datetime.date(2024, 3, 1),
                     expiry_date=datetime.date(2025, 9, 1))
    issues = consistency_issues(lot)
    assert [issue.code for issue in issues] == ["expiry_beyond_shelf_life"]
    assert issues[0].field == "expiry_date"
    assert "365" in issues[0].message and "01/03/2025" in issues[0].message


def test_standard_producer_and_missing_declaration_are_listed(product, versions, make_producer):
    product.declared_standard = "TCVN 4193:2014"
    product.producer = make_producer(name="Công ty Khác", tax_code="6009999999")
    product.save()
    lot = create_lot(product=product, code="L-DIFF", production_date=datetime.date(2024, 3, 1),
                     expiry_date=datetime.date(2024, 12, 1))
    assert {issue.code for issue in consistency_issues(lot)} == {"standard_differs", "producer_differs"}
    undeclared = create_lot(product=product, code="L-1999", production_date=datetime.date(2019, 5, 1))
    assert [issue.code for issue in consistency_issues(undeclared)] == ["no_declaration"]


def test_messages_are_vietnamese_by_default(product):
    lot = create_lot(product=product, code="L-VI", production_date=datetime.date(2019, 5, 1))
    assert "công bố" in consistency_issues(lot)[0].message


def test_harvest_inside_the_pre_harvest_interval_is_listed(lot, zone, versions):
    record_event(lot=lot, biz_step=BizStep.SPRAYING, event_time=at(datetime.date(2024, 2, 25)), zone=zone,
                 input_product="Abamectin 1.8EC", pre_harvest_interval_days=14)
    record_event(lot=lot, biz_step=BizStep.HARVESTING, event_time=at(datetime.date(2024, 3, 1)), zone=zone)
    assert [issue.code for issue in consistency_issues(lot)] == ["pre_harvest_interval_not_respected"]
