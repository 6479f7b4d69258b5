"""Zone import with validation against a bare ogr2ogr load (officer-workspace issue).

Run with ``./ocop bench import [--features N] [--repeat K] [--per-feature-sample M] [--keepdb]``.

- Data: a throwaway database (``test_ocop_bench_import`` by default, or ``BENCH_DATABASE_NAME``; migrated from
  scratch, dropped afterwards unless ``--keepdb``) with Đắk Lắk's administrative units (102 communes with
  centroids, no boundaries). The demo data is never touched.
- File: ``--features`` (10,000) small farm polygons (6-16 vertices, 40-140 m across, about 0.5-6 ha) scattered
  within 3 km of the centroids of Đắk Lắk's communes, as GeoJSON in WGS 84; one in fifty has two vertices
  swapped, a self-intersection that the import repairs and reports.
- (a) Our import, as an officer of the provincial OCOP office: a dry run (every rule checked, nothing saved),
  then a commit (checked again, saved all or nothing) — set-based path (``apps.transfer.bulk``). The commit
  really commits; the zones are removed before the next repetition.
- (b) ``ogr2ogr -f PostgreSQL PG:… file.geojson -nln bench_ogr_raw`` into the same database: no validation,
  no area, no communes, no versions.
- Figures: best of ``--repeat`` runs (the machine may be shared), in features per second, and the ratios a/b
  (target ≥ 0.5). ``--per-feature-sample`` also times the per-feature path on the first M features, for scale.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import shutil
import statistics
import subprocess  # noqa: S404 - ogr2ogr, called with an argument list
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SEED = 20_250_701
TARGET = 0.5


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Benchmark the zone import against ogr2ogr.")
    parser.add_argument("--features", type=int, default=10_000, help="polygons in the file (default 10,000)")
    parser.add_argument("--repeat", type=int, default=3, help="repetitions; the best is reported (default 3)")
    parser.add_argument("--per-feature-sample", type=int, default=300,
                        help="also time the per-feature path on this many features (0: skip; default 300)")
    parser.add_argument("--keepdb", action="store_true", help="keep (and reuse) the benchmark database")
    return parser.parse_args()


def farm_polygons(count: int, centroids: list[tuple[float, float]]) -> dict:
    """A FeatureCollection of ``count`` small irregular farm polygons around the communes' centroids."""
    rng = random.Random(SEED)
    features = []
    for index in range(count):
        lon0, lat0 = rng.choice(centroids)
        metres_per_degree_lon = 111_320 * math.cos(math.radians(lat0))
        distance, bearing = rng.uniform(0, 3000), rng.uniform(0, 2 * math.pi)
        lon = lon0 + distance * math.cos(bearing) / metres_per_degree_lon
        lat = lat0 + distance * math.sin(bearing) / 110_574
        vertices, radius = rng.randint(6, 16), rng.uniform(20, 70)
        ring = []
        for step in range(vertices):
            angle = 2 * math.pi * step / vertices + rng.uniform(-0.15, 0.15)
            reach = radius * rng.uniform(0.75, 1.15)
            ring.append([round(lon + reach * math.cos(angle) / metres_per_degree_lon, 7),
                         round(lat + reach * math.sin(angle) / 110_574, 7)])
        if index % 50 == 0:
            ring[1], ring[2] = ring[2], ring[1]  # a bow tie: self-intersecting, repaired by the import
        ring.append(ring[0])
        features.append({"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [ring]},
                         "properties": {"ten_vung": f"Vườn cà phê {index + 1}", "cay_trong": "ca-phe",
                                        "loai": "cultivation", "ghi_chu": "Khảo sát 2025"}})
    return {"type": "FeatureCollection", "features": features}


def ogr2ogr_load(path: Path) -> float:
    """Seconds for ogr2ogr to load ``path`` into the benchmark database (a fresh table each time)."""
    from django.db import connection

    database = connection.settings_dict
    target = (f"PG:dbname={database['NAME']} host={database['HOST'] or 'localhost'} "
              f"port={database['PORT'] or 5432} user={database['USER']}")
    environment = {**os.environ, "PGPASSWORD": str(database["PASSWORD"] or "")}
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_ogr_raw")
    started = time.perf_counter()
    subprocess.run(["ogr2ogr", "-f", "PostgreSQL", target, str(path), "-nln", "bench_ogr_raw"],  # noqa: S603, S607
                   check=True, env=environment, capture_output=True)
    return time.perf_counter() - started


def remove_imported_zones() -> None:
    from django.db import connection

    from apps.zones.models import RawMaterialZone, ZoneStatusChange, ZoneVersion

    tables = [model._meta.db_table for model in (ZoneVersion, ZoneStatusChange)]
    tables += [RawMaterialZone.communes.through._meta.db_table, RawMaterialZone.producers.through._meta.db_table,
               RawMaterialZone._meta.db_table]
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(tables)} CASCADE")


def timed_import(path: Path, user, *, commit: bool):
    from apps.transfer.services import create_import_job, run_import

    started = time.perf_counter()
    job = create_import_job(kind="zones", file=path, user=user)
    job = run_import(job=job, commit=commit, user=user)
    return time.perf_counter() - started, job


def rate(count: int, seconds: float) -> str:
    return f"{count / seconds:10,.0f} features/s   ({seconds:6.2f} s)"


def run(arguments: argparse.Namespace) -> None:
    from django.contrib.auth import get_user_model

    from apps.accounts.models import OfficerProfile, Role
    from apps.territory.models import AdministrativeUnit, Era, Level

    centroids = [(unit.centroid.x, unit.centroid.y) for unit in AdministrativeUnit.objects.filter(
        era=Era.CURRENT, level=Level.COMMUNE, centroid__isnull=False)]
    user, _created = get_user_model().objects.get_or_create(username="bench-ocop-office")
    OfficerProfile.objects.get_or_create(user=user, defaults={"role": Role.PROVINCIAL_OFFICE})
    folder = Path(tempfile.mkdtemp(prefix="ocop-bench-import-"))
    try:
        measure(arguments, folder, centroids, user)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def measure(arguments: argparse.Namespace, folder: Path, centroids: list[tuple[float, float]], user) -> None:
    from django.conf import settings

    from apps.transfer.models import ImportStatus

    count = arguments.features
    settings.MEDIA_ROOT = str(folder / "media")
    path = folder / "vuon-ca-phe.geojson"
    path.write_text(json.dumps(farm_polygons(count, centroids), ensure_ascii=False), encoding="utf-8")
    print(f"file: {count:,} polygons, {path.stat().st_size / 1024 / 1024:.1f} MB, "
          f"{len(centroids)} communes with centroids")

    remove_imported_zones()
    settings.OCOP_IMPORT_BULK_THRESHOLD = 1
    ogr, dry, commit, both = [], [], [], []
    report = None
    for repetition in range(arguments.repeat):
        ogr.append(ogr2ogr_load(path))
        dry_seconds, checked = timed_import(path, user, commit=False)
        commit_seconds, committed = timed_import(path, user, commit=True)
        assert checked.status == ImportStatus.CHECKED, checked.error
        assert committed.status == ImportStatus.COMMITTED, committed.report["summary"]
        assert committed.report["method"] == "set_based"
        report = committed.report["summary"]
        dry.append(dry_seconds)
        commit.append(commit_seconds)
        both.append(dry_seconds + commit_seconds)
        print(f"  run {repetition + 1}: ogr2ogr {ogr[-1]:.2f} s, dry run {dry_seconds:.2f} s, "
              f"commit {commit_seconds:.2f} s")
        remove_imported_zones()
    print(f"report: {report['valid']:,} valid, {report['repaired']:,} repaired (self-intersections), "
          f"{report['rejected']:,} rejected, {report['duplicates']:,} duplicates, "
          f"{report['overlapping']:,} overlapping another feature")

    if arguments.per_feature_sample:
        sample = min(arguments.per_feature_sample, count)
        sample_path = folder / "sample.geojson"
        collection = farm_polygons(count, centroids)
        collection["features"] = collection["features"][:sample]
        sample_path.write_text(json.dumps(collection, ensure_ascii=False), encoding="utf-8")
        settings.OCOP_IMPORT_BULK_THRESHOLD = 10**9
        seconds, job = timed_import(sample_path, user, commit=True)
        assert job.report["method"] == "per_feature" and job.status == ImportStatus.COMMITTED
        remove_imported_zones()
        per_feature = sample / seconds

    best_ogr = min(ogr)
    print("\n== zones import, best of", arguments.repeat, "==")
    print(f"(b) ogr2ogr → PostGIS, no validation   {rate(count, best_ogr)}")
    print(f"(a) our import: dry run                {rate(count, min(dry))}")
    print(f"(a) our import: commit                 {rate(count, min(commit))}")
    print(f"(a) our import: dry run + commit       {rate(count, min(both))}")
    if arguments.per_feature_sample:
        print(f"    per-feature path (first {sample} features, commit) {per_feature:10,.0f} features/s")
    print(f"    medians: ogr2ogr {statistics.median(ogr):.2f} s, dry run {statistics.median(dry):.2f} s, "
          f"commit {statistics.median(commit):.2f} s")
    print("\n== ratios a/b (target ≥ 0.5) ==")
    for label, seconds in (("dry run", min(dry)), ("commit", min(commit)), ("dry run + commit", min(both))):
        ratio = best_ogr / seconds
        print(f"{label:<20} {ratio:6.2f}   {'ok' if ratio >= TARGET else 'MISSED'}")


def main() -> None:
    arguments = parse_arguments()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gis_ocop.settings")
    os.environ.setdefault("DEBUG", "1")
    os.environ["TEST_DATABASE_NAME"] = os.environ.get("BENCH_DATABASE_NAME", "test_ocop_bench_import")
    import django

    django.setup()
    from django.conf import settings
    from django.test.utils import setup_databases, setup_test_environment, teardown_databases

    setup_test_environment(debug=False)
    settings.DEBUG = False  # no query log in the measured process
    started = time.perf_counter()
    config = setup_databases(verbosity=0, interactive=False, keepdb=arguments.keepdb)
    try:
        from apps.territory.services import load_admin_units

        load_admin_units(province_code="66")
        print(f"database ready in {time.perf_counter() - started:.1f} s")
        run(arguments)
    finally:
        if not arguments.keepdb:
            teardown_databases(config, verbosity=0)


if __name__ == "__main__":
    main()
