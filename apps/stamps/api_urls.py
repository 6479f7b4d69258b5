from django.urls import path, re_path

from apps.stamps import api

urlpatterns = [
    path("stamps/runs/", api.RunList.as_view(), name="api-stamp-runs"),
    path("stamps/runs/<int:pk>/", api.RunDetail.as_view(), name="api-stamp-run"),
    path("stamps/runs/<int:pk>/status", api.RunStatus.as_view(), name="api-stamp-run-status"),
    path("stamps/runs/<int:pk>/sheet.pdf", api.RunSheet.as_view(), name="api-stamp-run-sheet"),
    path("stamps/runs/<int:pk>/manifest.csv", api.RunManifest.as_view(), name="api-stamp-run-manifest"),
    path("stamps/alerts/", api.Alerts.as_view(), name="api-stamp-alerts"),
    path("stamps/reports/", api.Reports.as_view(), name="api-stamp-reports"),
    re_path(r"^stamps/(?P<serial>[^/.]+)\.(?P<fmt>png|svg)$", api.StampImage.as_view(), name="api-stamp-image"),
]
