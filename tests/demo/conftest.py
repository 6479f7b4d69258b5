import pytest
from django.db import transaction


@pytest.fixture(scope="package")
def demo_loaded(django_db_setup, django_db_blocker):
    """Load the demo once for the tests of this package inside a transaction that is rolled back afterwards.

    Loading takes tens of seconds, so the tests share one load; each test still runs in its own savepoint (the
    ``db`` fixture), and nothing is left behind for the tests of other packages.
    """
    from apps.demo.services import load_demo

    messages: list[str] = []
    with django_db_blocker.unblock(), transaction.atomic():
        result = load_demo(log=messages.append)
        yield result, messages
        transaction.set_rollback(True)


@pytest.fixture
def demo(demo_loaded, db):
    return demo_loaded[0]
