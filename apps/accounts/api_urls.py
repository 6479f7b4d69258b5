"""``/api/v1/records/…``: the record write API (role- and scope-checked; see apps/accounts/api.py)."""

from rest_framework.routers import SimpleRouter

from apps.outlets.api import SalesPointViewSet
from apps.producers.api import ProducerViewSet
from apps.products.api import ProductViewSet
from apps.traceability.records_api import LotViewSet
from apps.zones.api import ZoneViewSet

router = SimpleRouter()
router.register("records/producers", ProducerViewSet, basename="record-producer")
router.register("records/products", ProductViewSet, basename="record-product")
router.register("records/zones", ZoneViewSet, basename="record-zone")
router.register("records/sales-points", SalesPointViewSet, basename="record-sales-point")
router.register("records/lots", LotViewSet, basename="record-lot")

urlpatterns = router.urls
