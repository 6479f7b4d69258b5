from django.urls import path

from apps.portal import views

urlpatterns = [
    path("language/", views.switch_language, name="switch-language"),
    path("healthz", views.healthz, name="healthz"),
    path("", views.home, name="home"),
]
