from django.urls import path

from apps.evaluation import api

urlpatterns = [
    path("evaluation/candidacies/", api.CandidacyList.as_view(), name="api-evaluation-candidacies"),
    path("evaluation/candidacies/<int:pk>/<slug:action>/", api.CandidacyStep.as_view(),
         name="api-evaluation-step"),
    path("evaluation/ratings/<int:pk>/re-evaluation/", api.ReEvaluation.as_view(),
         name="api-evaluation-re-evaluation"),
    path("evaluation/boards/<slug:level>/", api.BoardApi.as_view(), name="api-evaluation-board"),
    path("evaluation/results/", api.ResultList.as_view(), name="api-evaluation-results"),
]
