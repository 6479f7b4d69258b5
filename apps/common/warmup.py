"""Load at worker start what a worker's first requests would otherwise load while a visitor waits.

Django imports the URLconf (and with it every app's views, the PDF and spreadsheet renderers…), compiles each
template and reads each language's catalogue lazily, on the first request that needs them. In a fresh gunicorn
worker the first product page took ~0.7 s instead of ~0.1 s; under load, with the cores shared, that became a
multi-second stall for every connection queued on the worker. ``gis_ocop.wsgi`` calls :func:`warm_up` once per
process before the server hands it a request. Nothing here touches the database (it may run before a fork).
"""

from __future__ import annotations

from contextlib import suppress
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.template import engines
from django.urls import Resolver404, get_resolver, resolve
from django.utils import formats, translation


def template_names() -> list[str]:
    """Every template of the project's own apps and of the project directory, by loader name."""
    roots = [Path(folder) for engine in settings.TEMPLATES for folder in engine.get("DIRS", [])]
    roots += [Path(config.path) / "templates" for config in apps.get_app_configs() if config.name.startswith("apps.")]
    return sorted({str(path.relative_to(root)) for root in roots if root.is_dir()
                   for path in root.rglob("*") if path.suffix in {".html", ".txt", ".xml"}})


def warm_up() -> dict[str, int]:
    """Import the URLconf, compile the templates, load the catalogues; returns what was loaded (for tests)."""
    patterns = len(get_resolver().url_patterns)
    engine = engines["django"]
    compiled = 0
    for name in template_names():
        engine.get_template(name)  # the cached loader keeps the compiled template for the process
        compiled += 1
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            translation.gettext("OCOP")  # the catalogue
            formats.get_format("DATE_FORMAT")  # the locale's formats module
            resolver = get_resolver()
            resolver.reverse_dict  # noqa: B018 — builds the language's reverse map
            with suppress(Resolver404):
                resolve("/__warm-up__/")  # walks (and compiles) every URL pattern of the language
    return {"url_patterns": patterns, "templates": compiled, "languages": len(settings.LANGUAGES)}
