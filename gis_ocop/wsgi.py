"""WSGI entry point (gunicorn gis_ocop.wsgi): Django, with stamp scans answered by the fast path in front of it."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gis_ocop.settings")
django_application = get_wsgi_application()

from apps.stamps.fastpath import ScanFastPath  # noqa: E402 — needs the apps loaded by get_wsgi_application()

application = ScanFastPath(django_application)
