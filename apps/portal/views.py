from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

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
