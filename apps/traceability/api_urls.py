from django.urls import path

from apps.traceability import api

urlpatterns = [
    path("lots/<int:pk>/", api.LotDetail.as_view(), name="api-lot-detail"),
    path("lots/<int:pk>/epcis", api.LotEpcis.as_view(), name="api-lot-epcis"),
]
