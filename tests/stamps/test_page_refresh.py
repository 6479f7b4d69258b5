"""A change made through the platform shows on the next scan; one made around it (SQL) when the cached page
expires: the expired page is served once more while it is re-rendered behind the request."""

from __future__ import annotations

import pytest
from django.utils.html import escape

from apps.products.models import Product
from apps.stamps import localcache
from apps.stamps.rendering import stamp_url
from tests.stamps.conftest import path_of

# The background render uses its own database connection: it must see committed data (tests/live.py).
pytestmark = [pytest.mark.django_db(transaction=True, serialized_rollback=True),
              pytest.mark.usefixtures("live_database")]


def test_an_expired_page_is_served_once_more_while_it_is_rendered_behind(client, stamp, product, settings,
                                                                         monkeypatch):
    settings.STAMPS_PAGE_CACHE_SECONDS = 60
    now = [1000.0]
    monkeypatch.setattr(localcache, "_clock", lambda: now[0])
    path = path_of(stamp_url(stamp))
    old_story, new_story = escape(product.story), "Rang mộc, không tẩm ướp."
    assert old_story in client.get(path).content.decode()

    Product.objects.filter(pk=product.pk).update(story=new_story)  # around the platform: no signal, no new version
    assert old_story in client.get(path).content.decode()  # still fresh: the cache keeps it

    now[0] += 60.001  # expired: the next visitor gets the last page at once, and it is rendered again behind
    page = client.get(path)
    assert page.status_code == 200 and old_story in page.content.decode()
    assert localcache.wait_for_refreshes()
    page = client.get(path)
    assert new_story in page.content.decode() and old_story not in page.content.decode()
    assert stamp.serial in page.content.decode()  # the stamp's own parts are still filled in


def test_a_change_saved_through_the_platform_shows_on_the_next_scan(client, stamp, product, settings, monkeypatch):
    settings.STAMPS_PAGE_CACHE_SECONDS = 900
    monkeypatch.setattr(localcache, "_clock", lambda: 1000.0)  # the cache lifetime never runs out here
    path = path_of(stamp_url(stamp))
    old_story, new_story = escape(product.story), "Rang mộc, không tẩm ướp."
    assert old_story in client.get(path).content.decode()
    assert old_story in client.get(path).content.decode()  # served from the cache

    product.story = new_story
    product.save(update_fields=["story"])
    page = client.get(path).content.decode()
    assert new_story in page and old_story not in page
