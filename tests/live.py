"""Tests against a live server (a real browser, GDAL's OAPIF driver): the database they need, and its restoration.

A live server answers from another thread, so it only sees committed rows: such tests are transactional, and
pytest-django empties every table after each of them. Serialized rollback puts rows back before each test from
the connection's serialized contents — but the session loads the administrative units *after* the test
database was serialized (tests/conftest.py), so those contents lack them.

Use in a test module::

    pytestmark = [pytest.mark.django_db(transaction=True, serialized_rollback=True),
                  pytest.mark.usefixtures("live_database")]

and import the fixture into the package's conftest (``from tests.live import live_database  # noqa: F401``).
"""

from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def live_database(django_db_setup, django_db_blocker):
    """Snapshot the reference data now, restore it before each test and once more after the module.

    The snapshot holds what the session loaded (administrative units of both eras) and what data migrations
    seeded (crops, criteria sets, classifications). After the module the last test's flush is undone, so
    later tests find the database as this module found it.
    """
    from django.db import connection

    previous = getattr(connection, "_test_serialized_contents", None)
    with django_db_blocker.unblock():
        contents = connection.creation.serialize_db_to_string()
    connection._test_serialized_contents = contents
    try:
        yield
    finally:
        with django_db_blocker.unblock():
            connection.creation.deserialize_db_from_string(contents)
        if previous is None:
            del connection._test_serialized_contents
        else:
            connection._test_serialized_contents = previous
