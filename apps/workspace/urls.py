"""URLs of the officers' workspace (mounted at /workspace/)."""

from django.urls import path

from apps.workspace import views

app_name = "workspace"

urlpatterns = [
    path("zones/", views.zone_list, name="zone-list"),
    path("zones/new/", views.zone_new, name="zone-new"),
    path("zones/check/", views.zone_check, name="zone-check"),
    path("zones/save/", views.zone_create, name="zone-create"),
    path("zones/<int:pk>/edit/", views.zone_edit, name="zone-edit"),
    path("zones/<int:pk>/save/", views.zone_update, name="zone-update"),
    path("zones/<int:pk>/history/", views.zone_history, name="zone-history"),
    path("zones/<int:pk>/versions/<int:number>.geojson", views.zone_version_geojson, name="zone-version"),
    path("zones/<int:pk>/versions/<int:number>/restore/", views.zone_restore, name="zone-restore"),
]
