import datetime

import pytest

from apps.traceability.models import BizStep
from apps.traceability.selectors import MAX_TRACE_DEPTH, lot_inputs, lot_outputs
from apps.traceability.services import LotQuantity, create_lot, record_event
from tests.traceability.conftest import at


@pytest.fixture
def chain(lot, make_product, production_facility, sales_point):
    """green beans (lot) → roasted → gift box, with a shipment of the gift box."""
    roasted = create_lot(product=make_product(name="Cà phê rang", gtin=""), code="R-01",
                         production_date=datetime.date(2024, 3, 10))
    record_event(lot=roasted, biz_step=BizStep.PROCESSING, event_time=at(datetime.date(2024, 3, 10)),
                 production_facility=production_facility, inputs=[LotQuantity(lot, "200", "kg")],
                 outputs=[LotQuantity(roasted, "160", "kg")])
    box = create_lot(product=make_product(name="Hộp quà cà phê", gtin=""), code="BOX-01",
                     production_date=datetime.date(2024, 3, 20), source_lots=[roasted])
    shipment = record_event(lot=box, biz_step=BizStep.SHIPPING, event_time=at(datetime.date(2024, 3, 21)),
                            sales_point=sales_point, business_documents=[{"type": "desadv", "number": "PGH-12"}])
    return lot, roasted, box, shipment


def test_one_step_back_lists_zones_codes_and_source_lots(chain, zone, growing_code):
    lot, roasted, box, _shipment = chain
    back = lot_inputs(box)
    assert [item.lot for item in back.source_lots] == [roasted]
    assert not back.is_truncated and back.source_lots[0].is_truncated
    assert back.source_lots[0].source_lots == []
    deep = lot_inputs(box, depth=2)
    green = deep.source_lots[0].source_lots[0]
    assert green.lot == lot
    assert [(item.zone, item.share_percent, item.growing_area_codes) for item in green.zones] == [
        (zone, 80, [growing_code])]


def test_one_step_forward_lists_derived_lots_and_shipments(chain):
    lot, roasted, box, shipment = chain
    forward = lot_outputs(lot)
    assert [item.lot for item in forward.derived_lots] == [roasted]
    assert forward.shipments == []
    assert forward.derived_lots[0].is_truncated and forward.derived_lots[0].derived_lots == []
    deep = lot_outputs(lot, depth=2)
    assert [item.lot for item in deep.derived_lots[0].derived_lots] == [box]
    assert deep.derived_lots[0].derived_lots[0].shipments == [shipment]


def test_depth_is_bounded(chain):
    lot = chain[0]
    assert lot_outputs(lot, depth=999).derived_lots  # clamped, not an error
    assert MAX_TRACE_DEPTH == 5
