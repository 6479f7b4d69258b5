from django.urls import path

from apps.territory import api

urlpatterns = [
    path("admin-units/", api.AdministrativeUnitList.as_view(), name="api-admin-units"),
    path("admin-units/at/", api.CommuneAtPoint.as_view(), name="api-commune-at"),
]
