"""Map interfaces under load: nearby, vector tiles, GeoJSON bbox pages and OGC item pages (issue 5).

Run with ``./ocop bench maps [--zones N] [--points M] [--iterations K] [--keepdb]``.

- Data: a throwaway database (``test_ocop_bench`` by default, migrated from scratch, dropped afterwards unless
  ``--keepdb``), filled by bulk SQL in this script: ``--zones`` raw-material zones (49-vertex polygons,
  0.3–1 km across) and ``--points`` sales points, spread over Đắk Lắk. apps/demo has no synthetic-data
  generator yet; when it has one, use it here instead.
- Client: Django's test ``Client`` in this process — the full Django stack (URL routing, middleware, views,
  ORM, the query in PostgreSQL, the response body) without a network hop. The "direct" figures run the same
  SQL on the same connection through a cursor, so a ratio is the cost of Django on top of the query.
- Timings are wall-clock per request; p50/p99 over ``--iterations`` requests at random places.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

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


def _defaults_sql(model, explicit: dict[str, str]) -> tuple[list[str], list[str], list]:
    """Columns and SQL values for a bulk INSERT…SELECT: explicit SQL expressions, field defaults for the rest."""
    from django.db import connection

    columns, values, params = [], [], []
    for field in model._meta.concrete_fields:
        if field.primary_key:
            continue
        columns.append(connection.ops.quote_name(field.column))
        if field.name in explicit:
            values.append(explicit[field.name])
        elif field.null:
            values.append("NULL")
        elif getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            values.append("now()")
        else:
            values.append("%s")
            params.append(field.get_db_prep_save(field.get_default(), connection))
    return columns, values, params


def generate(zones: int, points: int) -> None:
    """Fill the database with synthetic zones and sales points (bulk SQL, deterministic)."""
    from django.db import connection

    from apps.outlets.models import SalesPoint
    from apps.zones.models import Crop, RawMaterialZone

    crop = Crop.objects.order_by("id").first() or Crop.objects.create(slug="bench", name="Bench crop")
    west, south, east, north = EXTENT
    with connection.cursor() as cursor:
        cursor.execute("SELECT setseed(0.25)")
        columns, values, params = _defaults_sql(RawMaterialZone, {
            "name": "'Vùng tổng hợp ' || i",
            "kind": "(ARRAY['cultivation','harvesting','livestock','aquaculture','forest_product'])[1 + mod(i, 5)]",
            "crop": str(int(crop.id)),
            "status": "(ARRAY['active','active','active','suspended','revoked','proposed'])[1 + mod(i, 6)]",
            "geometry": (f"ST_Multi(ST_Buffer(ST_SetSRID(ST_MakePoint({west} + random() * {east - west}, "
                         f"{south} + random() * {north - south}), 4326), 0.0015 + random() * 0.003, 'quad_segs=12'))"),
            "area_ha": "round((50 + random() * 500)::numeric, 4)",
        })
        cursor.execute(
            f"INSERT INTO {RawMaterialZone._meta.db_table} ({', '.join(columns)}) "  # noqa: S608 - fixed text
            f"SELECT {', '.join(values)} FROM generate_series(1, %s) AS i", [*params, zones])
        columns, values, params = _defaults_sql(SalesPoint, {
            "name": "'Điểm bán tổng hợp ' || i",
            "kind": "(ARRAY['centre_province','centre_district','supermarket_booth','market_booth','tourist_site',"
                    "'hotel_restaurant','admin_counter'])[1 + mod(i, 7)]",
            "location": (f"ST_SetSRID(ST_MakePoint({west} + random() * {east - west}, "
                         f"{south} + random() * {north - south}), 4326)"),
            "search_name": "'diem ban tong hop ' || i",
        })
        cursor.execute(
            f"INSERT INTO {SalesPoint._meta.db_table} ({', '.join(columns)}) "  # noqa: S608 - fixed text
            f"SELECT {', '.join(values)} FROM generate_series(1, %s) AS i", [*params, points])
        cursor.execute(f"ANALYZE {RawMaterialZone._meta.db_table}")
        cursor.execute(f"ANALYZE {SalesPoint._meta.db_table}")


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
    from django.test import Client

    from apps.layers import selectors
    from apps.layers.registry import get_layer

    client = Client()
    rng = random.Random(SEED)
    iterations = arguments.iterations
    ratios: list[tuple[str, float, str]] = []

    def get(url: str) -> bytes:
        response = client.get(url)
        assert response.status_code in (200, 204), (url, response.status_code, response.content[:300])
        return response.content

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
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gis_ocop.settings")
    os.environ.setdefault("DEBUG", "1")
    os.environ["TEST_DATABASE_NAME"] = os.environ.get("BENCH_DATABASE_NAME", "test_ocop_bench")
    import django

    django.setup()
    from django.conf import settings
    from django.test.utils import setup_databases, setup_test_environment, teardown_databases

    setup_test_environment(debug=False)
    settings.DEBUG = False  # no query log in the measured process
    started = time.perf_counter()
    config = setup_databases(verbosity=0, interactive=False, keepdb=arguments.keepdb)
    try:
        from apps.zones.models import RawMaterialZone

        if RawMaterialZone.objects.count() < arguments.zones:
            generate(arguments.zones, arguments.points)
        print(f"database ready with {arguments.zones:,} zones and {arguments.points:,} sales points "
              f"in {time.perf_counter() - started:.1f} s (client: Django test Client, in process)")
        run(arguments)
    finally:
        if not arguments.keepdb:
            teardown_databases(config, verbosity=0)


if __name__ == "__main__":
    main()
