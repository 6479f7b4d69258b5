"""Public resolver URLs (GS1 Digital Link and short form) and the officers' stamp pages."""

from django.urls import path, re_path

from apps.stamps import officer, views

urlpatterns = [
    re_path(r"^01/(?P<gtin>[^/]+)/10/(?P<lot_code>.+)/21/(?P<serial>[^/]+)$", views.resolve_digital_link,
            name="stamps-digital-link"),
    path("s/report", views.report_counterfeit, name="stamps-report"),
    path("s/<str:serial>/where-to-buy", views.where_to_buy, name="stamps-where-to-buy"),
    path("s/<str:serial>", views.resolve_short, name="stamps-short"),
    path("stamps/officer/", officer.run_list, name="stamps-officer"),
    path("stamps/officer/runs/<int:pk>/", officer.run_detail, name="stamps-officer-run"),
    path("stamps/officer/runs/<int:pk>/sheet.pdf", officer.run_sheet, name="stamps-officer-sheet"),
    path("stamps/officer/runs/<int:pk>/manifest.csv", officer.run_manifest, name="stamps-officer-manifest"),
    path("stamps/officer/alerts/", officer.alerts, name="stamps-officer-alerts"),
]
