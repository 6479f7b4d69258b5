from django.conf import settings
from django.db import DatabaseError, connection
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import check_for_language
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from apps.territory.models import AdministrativeUnit, Era, Level


@never_cache
def healthz(request):
    """200 with the database and PostGIS versions when the database answers, 503 otherwise."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_setting('server_version'), postgis_lib_version()")
            server_version, postgis_version = cursor.fetchone()
    except DatabaseError as exc:
        return JsonResponse({"status": "error", "database": "unreachable", "error": type(exc).__name__}, status=503)
    return JsonResponse({"status": "ok", "database": f"PostgreSQL {server_version}", "postgis": postgis_version})


def home(request):
    counts = {
        "communes": AdministrativeUnit.objects.filter(era=Era.CURRENT, level=Level.COMMUNE).count(),
        "legacy_districts": AdministrativeUnit.objects.filter(era=Era.LEGACY, level=Level.DISTRICT).count(),
    }
    return render(request, "portal/home.html", {"counts": counts})


@never_cache
@require_GET
def switch_language(request):
    """``/language/?language=en&next=/s/…``: remember the language in its cookie and go back to ``next``.

    A plain link rather than Django's POST-only ``set_language``, so that no page needs a CSRF token just for its
    language switcher — in particular the product page a consumer reaches by scanning a stamp, which stays free of
    per-visitor tokens and cookies. Choosing a language changes nothing but that preference cookie.
    """
    next_url = request.GET.get("next", "/")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
        next_url = "/"
    response = HttpResponseRedirect(next_url)
    language = request.GET.get("language", "")
    if language in dict(settings.LANGUAGES) and check_for_language(language):
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME, language, max_age=settings.LANGUAGE_COOKIE_AGE,
            path=settings.LANGUAGE_COOKIE_PATH, domain=settings.LANGUAGE_COOKIE_DOMAIN,
            secure=settings.LANGUAGE_COOKIE_SECURE, httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE)
    return response
