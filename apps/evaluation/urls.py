"""Pages of the evaluation cycle (mounted at the site root)."""

from django.urls import path

from apps.evaluation import views

app_name = "evaluation"

urlpatterns = [
    path("evaluation/boards/<slug:level>/", views.board_page, name="board"),
    path("evaluation/candidacies/<int:pk>/", views.candidacy_page, name="candidacy"),
    path("evaluation/certificates/<int:pk>.pdf", views.certificate_view, name="certificate"),
    path("ocop/results/", views.results_page, name="results"),
]
