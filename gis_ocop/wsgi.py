"""WSGI entry point (gunicorn gis_ocop.wsgi): Django, with stamp scans and tiles answered by the fast path in front."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gis_ocop.settings")
django_application = get_wsgi_application()

from apps.common.fastpath import FastPath  # noqa: E402 — needs the apps loaded by get_wsgi_application()
from apps.common.warmup import warm_up  # noqa: E402

warm_up()  # URLconf, templates, catalogues: loaded now, not during a worker's first requests
application = FastPath(django_application)
