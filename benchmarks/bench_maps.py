"""Map interfaces under load: nearby, vector tiles, GeoJSON bbox pages and OGC item pages (issue 5).

Run with ``./ocop bench maps [--zones N] [--points M] [--iterations K] [--keepdb]``.

- Data: a throwaway database (``test_ocop_bench`` by default, migrated from scratch, dropped afterwards unless
  ``--keepdb``) with Đắk Lắk's administrative units, filled by the registry's synthetic generator
  (``./ocop manage generate_synthetic``): ``--zones`` raw-material zones and ``--points`` sales points spread
  around the province's communes.
- Client: the WSGI application called in this process — the full Django stack a server runs (middleware, URL
  routing, views, ORM, the query in PostgreSQL, the response body) without a network hop or the test
  ``Client``'s instrumentation. The "direct" figures run the same SQL on the same connection through a cursor,
  so a ratio is the cost of Django on top of the query.
- Timings are wall-clock per request; p50/p99 over ``--iterations`` requests at random places.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time

from _django import start_django, stop_django

# Đắk Lắk (old Đắk Lắk + Phú Yên), lon/lat.
EXTENT = (107.55, 12.15, 109.35, 13.65)
SEED = 20_250_701


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Benchmark the map interfaces (issue 5).")
    parser.add_argument("--zones", type=int, default=100_000, help="synthetic raw-material zones (default 100,000)")
    parser.add_argument("--points", type=int, default=200_000, help="synthetic sales points (default 200,000)")
    parser.add_argument("--iterations", type=int, default=200, help="requests per measured scenario (default 200)")
    parser.add_argument("--keepdb", action="store_true", help="keep (and reuse) the benchmark database")
    return parser.parse_args()


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def timed(function, repeat: int) -> list[float]:
    durations = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        durations.append((time.perf_counter() - start) * 1000)
    return durations


def describe(label: str, durations: list[float]) -> str:
    return (f"{label:<34} p50 {percentile(durations, 0.5):8.2f} ms   p99 {percentile(durations, 0.99):8.2f} ms"
            f"   mean {statistics.fmean(durations):8.2f} ms")


def generate(zones: int, points: int) -> None:
    """Fill the database with the registry's synthetic generator (``apps.demo.synthetic``), repeatably."""
    from django.db import connection

    from apps.demo.synthetic import generate_synthetic
    from apps.outlets.models import SalesPoint
    from apps.territory.models import AdministrativeUnit, Era, Level
    from apps.territory.services import load_admin_units
    from apps.zones.models import RawMaterialZone

    if not AdministrativeUnit.objects.filter(era=Era.CURRENT, level=Level.COMMUNE).exists():
        load_admin_units(province_code="66")
    missing_zones = max(0, zones - RawMaterialZone.objects.count())
    missing_points = max(0, points - SalesPoint.objects.count())
    result = generate_synthetic(zones=missing_zones, points=missing_points, seed=SEED)
    print(f"generated {result.zones:,} zones and {result.points:,} sales points in {result.seconds:.1f} s "
          f"(registry generator, {result.rows_per_second:,.0f} rows/s)")
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {RawMaterialZone._meta.db_table}")  # noqa: S608 - table name from model metadata
        cursor.execute(f"ANALYZE {SalesPoint._meta.db_table}")  # noqa: S608 - table name from model metadata


class WsgiClient:
    """Calls the WSGI application (``gis_ocop.wsgi``) in this process: the whole Django stack a server runs —
    middleware, routing, the view, the query, the response body — without a network hop and without the test
    ``Client``'s own instrumentation (request copies, template signals, cookie jar), which is not the app's cost."""

    def __init__(self) -> None:
        from gis_ocop.wsgi import application

        self.application = application

    def get(self, url: str) -> tuple[int, bytes]:
        import io
        from urllib.parse import urlsplit

        parts = urlsplit(url)
        environ = {
            "REQUEST_METHOD": "GET", "PATH_INFO": parts.path, "QUERY_STRING": parts.query, "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "8000", "SERVER_PROTOCOL": "HTTP/1.1", "HTTP_HOST": "127.0.0.1", "REMOTE_ADDR": "127.0.0.1",
            "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(b""), "wsgi.errors": sys.stderr,
        }
        statuses: list[str] = []
        body = self.application(environ, lambda status, headers, exc_info=None: statuses.append(status))
        try:
            content = b"".join(body)
        finally:
            if hasattr(body, "close"):
                body.close()
        return int(statuses[0].split()[0]), content


def tile_of(lon: float, lat: float, zoom: int) -> tuple[int, int, int]:
    import math

    n = 2 ** zoom
    return zoom, int((lon + 180) / 360 * n), int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)


def random_place(rng: random.Random, margin: float = 0.05) -> tuple[float, float]:
    west, south, east, north = EXTENT
    return rng.uniform(west + margin, east - margin), rng.uniform(south + margin, north - margin)


def run(arguments: argparse.Namespace) -> None:
    from django.contrib.gis.geos import Point
    from django.db import connection

    from apps.layers import selectors
    from apps.layers.registry import get_layer

    client = WsgiClient()
    rng = random.Random(SEED)
    iterations = arguments.iterations
    ratios: list[tuple[str, float, str]] = []

    def get(url: str) -> bytes:
        status, content = client.get(url)
        assert status in (200, 204), (url, status, content[:300])
        return content

    print("\n== nearby: k = 20 nearest sales points ==")
    places = [random_place(rng) for _ in range(iterations)]
    for lon, lat in places[:5]:  # warm-up
        get(f"/api/v1/nearby/?lon={lon}&lat={lat}&k=20")
    layer = get_layer("sales-points")
    api, direct = [], []
    for index, (lon, lat) in enumerate(places):
        # The same query the API runs, straight on the cursor (alternating which goes first).
        sql, params = selectors.nearest_statement(layer, Point(lon, lat, srid=4326), k=20)

        def through_api(lon=lon, lat=lat):
            get(f"/api/v1/nearby/?lon={lon}&lat={lat}&k=20")

        def straight(sql=sql, params=params):
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                cursor.fetchall()

        order = [(through_api, api), (straight, direct)]
        for function, bucket in order if index % 2 else reversed(order):
            bucket += timed(function, 1)
    print(describe("API /api/v1/nearby/", api))
    print(describe("direct KNN SQL", direct))
    ratio = percentile(api, 0.5) / percentile(direct, 0.5)
    ratios.append(("nearby p50 ratio (target ≤ 3)", ratio, "ok" if ratio <= 3 else "MISSED"))
    p99 = percentile(api, 0.99)
    ratios.append(("nearby API p99 ms (target ≤ 50)", p99, "ok" if p99 <= 50 else "MISSED"))

    print("\n== vector tiles ==")
    for layer_id in ("zones", "sales-points"):
        layer = get_layer(layer_id)
        for zoom, count in ((8, max(5, iterations // 20)), (12, iterations // 2), (15, iterations // 2)):
            tiles = [tile_of(*random_place(rng), zoom) for _ in range(count)]
            for z, x, y in tiles[:3]:
                get(f"/tiles/{layer_id}/{z}/{x}/{y}.mvt")
            api, direct, sizes = [], [], []
            for index, (z, x, y) in enumerate(tiles):
                sql, params = selectors.tile_query(layer, z, x, y)

                def through_api(z=z, x=x, y=y):
                    sizes.append(len(get(f"/tiles/{layer_id}/{z}/{x}/{y}.mvt")))  # noqa: B023

                def straight(sql=sql, params=params):
                    with connection.cursor() as cursor:
                        cursor.execute(sql, params)
                        cursor.fetchone()

                order = [(through_api, api), (straight, direct)]
                for function, bucket in order if index % 2 else reversed(order):
                    bucket += timed(function, 1)
            label = f"{layer_id} z{zoom}"
            print(describe(f"API  {label}", api) + f"   {1000 / statistics.fmean(api):7.1f} tiles/s"
                  f"   mean {statistics.fmean(sizes) / 1024:7.1f} KiB")
            print(describe(f"SQL  {label}", direct) + f"   {1000 / statistics.fmean(direct):7.1f} tiles/s")
            ratio = percentile(api, 0.99) / percentile(direct, 0.99)
            ratios.append((f"tiles {label} p99 ratio (target ≤ 1.5)", ratio, "ok" if ratio <= 1.5 else "MISSED"))
            ratio = percentile(api, 0.5) / percentile(direct, 0.5)
            ratios.append((f"tiles {label} p50 ratio (target ≤ 1.5)", ratio, "ok" if ratio <= 1.5 else "MISSED"))

    print("\n== GeoJSON bbox page of 1,000 zones ==")
    boxes = []
    for _ in range(max(5, iterations // 10)):
        lon, lat = random_place(rng, margin=0.3)
        boxes.append(f"{lon - 0.25:.4f},{lat - 0.25:.4f},{lon + 0.25:.4f},{lat + 0.25:.4f}")
    for label, extra in (("no simplification", ""), ("zoom=12", "&zoom=12"), ("simplify=0.001", "&simplify=0.001")):
        box_iter = iter(boxes)
        sizes = []

        def fetch_page():
            content = get(f"/api/v1/layers/zones/?limit=1000&bbox={next(box_iter)}{extra}")  # noqa: B023
            sizes.append(len(content))  # noqa: B023

        durations = timed(fetch_page, len(boxes))
        print(describe(f"API zones {label}", durations) + f"   payload {statistics.fmean(sizes) / 1024:8.1f} KiB")

    print("\n== OGC API items page of 1,000 features ==")
    box_iter = iter(boxes)
    durations = timed(lambda: get(f"/ogc/collections/zones/items?f=json&limit=1000&bbox={next(box_iter)}"),
                      len(boxes))
    print(describe("OGC zones items limit=1000", durations))
    durations = timed(lambda: get(f"/ogc/collections/sales-points/items?f=json&limit=1000&offset="
                                  f"{rng.randrange(0, 50_000)}"), len(boxes))
    print(describe("OGC sales-points items limit=1000", durations))

    print("\n== ratios and targets ==")
    for label, value, verdict in ratios:
        print(f"{label:<44} {value:8.2f}   {verdict}")


def main() -> None:
    arguments = parse_arguments()
    started = time.perf_counter()
    config = start_django("test_ocop_bench", arguments.keepdb)
    try:
        from apps.zones.models import RawMaterialZone

        if RawMaterialZone.objects.count() < arguments.zones:
            generate(arguments.zones, arguments.points)
        print(f"database ready with {arguments.zones:,} zones and {arguments.points:,} sales points "
              f"in {time.perf_counter() - started:.1f} s (client: the WSGI application, in process)")
        run(arguments)
    finally:
        stop_django(config, arguments.keepdb)


if __name__ == "__main__":
    main()
