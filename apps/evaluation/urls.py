"""Pages of the evaluation cycle (mounted at the site root)."""

from django.urls import path

from apps.evaluation import views

app_name = "evaluation"

urlpatterns = [
    path("evaluation/boards/<slug:level>/", views.board_page, name="board"),
    path("evaluation/ideas/new/", views.register_idea_page, name="register-idea"),
    path("evaluation/candidacies/<int:pk>/", views.candidacy_page, name="candidacy"),
    path("evaluation/candidacies/<int:pk>/<slug:action>/", views.candidacy_step, name="step"),
    path("evaluation/ratings/<int:pk>/re-evaluation/", views.re_evaluation_start, name="re-evaluation"),
    path("evaluation/certificates/<int:pk>.pdf", views.certificate_view, name="certificate"),
    path("ocop/results/", views.results_page, name="results"),
]
