"""WSGI entry point (gunicorn gis_ocop.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gis_ocop.settings")
application = get_wsgi_application()
