from tests.zones.conftest import coffee, make_zone  # noqa: F401 - shared fixtures for the status tests
