"""Officer pages for import and export (mounted under /transfer/)."""

from django.urls import path

from apps.transfer import views

app_name = "transfer"

urlpatterns = [
    path("imports/", views.import_start, name="import-start"),
    path("imports/<int:pk>/", views.import_job, name="import-job"),
    path("imports/<int:pk>/progress.json", views.import_progress, name="import-progress"),
    path("imports/<int:pk>/report.csv", views.import_report, name="import-report"),
    path("imports/<int:pk>/preview.geojson", views.import_preview, name="import-preview"),
    path("exports/", views.export_download, name="export"),
    path("eudr/lots/<int:pk>/", views.eudr_lot, name="eudr-lot"),
    path("eudr/shipments/<int:pk>/", views.eudr_shipment, name="eudr-shipment"),
    path("eudr/producers/<int:pk>/", views.eudr_producer, name="eudr-producer"),
    path("eudr/<str:target>/<int:pk>/report/", views.eudr_report, name="eudr-report"),
]
