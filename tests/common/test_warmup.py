"""Worker warm-up: what a fresh worker's first requests used to load while the visitor waited is loaded up front."""

from __future__ import annotations

from django.conf import settings
from django.template import engines
from django.urls import get_resolver
from django.utils import translation

from apps.common.warmup import template_names, warm_up


def _cached_templates() -> dict:
    loader = engines["django"].engine.template_loaders[0]  # Django's cached loader wraps the others
    return loader.get_template_cache


def test_template_names_cover_the_product_page_and_the_base():
    names = template_names()
    assert "stamps/product_page.html" in names
    assert "base.html" in names  # the project directory
    engine = engines["django"]
    origins = {engine.get_template(name).origin.name for name in names}
    assert all(origin.startswith(str(settings.BASE_DIR)) for origin in origins)  # only our own templates
    assert not any("site-packages" in origin for origin in origins)


def test_warm_up_compiles_templates_loads_urls_and_catalogues():
    _cached_templates().clear()
    loaded = warm_up()
    assert loaded["templates"] == len(template_names())
    assert {"stamps/product_page.html", "stamps/_lot.html", "base.html"} <= set(_cached_templates())
    assert loaded["url_patterns"] == len(get_resolver().url_patterns) > 0
    assert loaded["languages"] == len(settings.LANGUAGES)
    for language, _name in settings.LANGUAGES:  # each language's reverse map is built
        with translation.override(language):
            assert language in get_resolver()._reverse_dict


def test_the_wsgi_module_warms_up(monkeypatch):
    import importlib

    import apps.common.warmup as warmup_module
    import gis_ocop.wsgi

    calls = []
    monkeypatch.setattr(warmup_module, "warm_up", lambda: calls.append(1))
    importlib.reload(gis_ocop.wsgi)
    assert calls == [1]
