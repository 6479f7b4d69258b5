"""Django on a throwaway benchmark database, shared by every benchmark in this folder."""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def start_django(database_name: str, keepdb: bool):
    """Configure Django on ``database_name`` (``BENCH_DATABASE_NAME`` wins), migrated from scratch unless ``keepdb``
    finds it; no query log in the measured process. Returns the config :func:`stop_django` needs."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gis_ocop.settings")
    os.environ.setdefault("DEBUG", "1")
    os.environ["TEST_DATABASE_NAME"] = os.environ.get("BENCH_DATABASE_NAME", database_name)
    import django

    django.setup()
    from django.conf import settings
    from django.test.utils import setup_databases, setup_test_environment

    setup_test_environment(debug=False)
    settings.DEBUG = False
    # No serialized copy of the database (that is for test cases that roll back to it): with --keepdb it would
    # walk every kept row, minutes for a million stamps.
    return setup_databases(verbosity=0, interactive=False, keepdb=keepdb, serialized_aliases=set())


def stop_django(config, keepdb: bool) -> None:
    """Drop the benchmark database unless it is kept."""
    if not keepdb:
        from django.test.utils import teardown_databases

        teardown_databases(config, verbosity=0)
