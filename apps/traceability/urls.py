"""Pages for inspection visits (mounted at /inspections/)."""

from django.urls import path

from apps.traceability import views

app_name = "traceability"

urlpatterns = [
    path("", views.inspection_list, name="inspection-list"),
    path("new/", views.inspection_new, name="inspection-new"),
    path("targets/", views.inspection_targets, name="inspection-targets"),
    path("<int:pk>/", views.inspection_detail, name="inspection-detail"),
    path("<int:pk>/photos/<int:photo_pk>/", views.inspection_photo, name="inspection-photo"),
]
