"""Officer report pages (mounted at /reports/)."""

from django.urls import path

from apps.reports import views

app_name = "reports"

urlpatterns = [
    path("quarterly/", views.quarterly_page, name="quarterly"),
    path("quarterly.pdf", views.quarterly_pdf_view, name="quarterly-pdf"),
    path("quarterly.xlsx", views.quarterly_xlsx_view, name="quarterly-xlsx"),
    path("data-quality/", views.data_quality_page, name="data-quality"),
    path("data-quality/<slug:key>.csv", views.data_quality_csv, name="data-quality-csv"),
]
