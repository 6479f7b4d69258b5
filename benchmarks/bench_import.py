"""Zone import with validation against a bare ogr2ogr load (officer-workspace issue).

Run with ``./ocop bench import [--features N] [--repeat K] [--phases] [--per-feature-sample M] [--keepdb]``.

- Data: a throwaway database (``test_ocop_bench_import`` by default, or ``BENCH_DATABASE_NAME``; migrated from
  scratch, dropped afterwards unless ``--keepdb``) with Đắk Lắk's administrative units (102 communes with
  centroids, no boundaries; ``--boundaries`` gives them synthetic ones, the Voronoi cells of their centroids with
  ~600 vertices each, so that communes are found by boundary). The demo data is never touched.
- File: ``--features`` (10,000) small farm polygons (6-16 vertices, 40-140 m across, about 0.5-6 ha) scattered
  within 3 km of the centroids of Đắk Lắk's communes, as GeoJSON in WGS 84; one in fifty has two vertices
  swapped, a self-intersection that the import repairs and reports.
- (a) Our import, as an officer of the provincial OCOP office, timed from the upload (``create_import_job``: the
  file stored and inspected) to the saved report: a dry run (every rule checked, nothing saved), then a commit
  (checked again, saved all or nothing) — set-based path (``apps.transfer.bulk``). The commit really commits (it
  is checked that every zone was saved with its communes, history and version); the zones are removed before the
  next repetition, and the tables vacuumed and analysed then (autovacuum would otherwise do it during a later
  measurement).
- (b) ``ogr2ogr -f PostgreSQL PG:… file.geojson -nln bench_ogr_raw`` into the same database: no validation,
  no area, no communes, no versions. Its table is dropped after each measurement (before autovacuum comes for it).
- Figures: the median of ``--repeat`` runs (the machine may be shared: the spread is printed too), in features
  per second; the headline ratio is a real import — the commit, validation included — over ogr2ogr (b/a in
  seconds, target ≥ 0.5); the dry run's ratio is extra information. ``--phases`` prints the median seconds of each
  phase of the set-based path (logged by ``apps.transfer.bulk``), of the upload and of the rest of ``run_import``
  (overlaps within the file, COMMIT, saving the report). ``--per-feature-sample`` also times the per-feature path
  on the first M features, for scale.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import random
import shutil
import statistics
import subprocess  # noqa: S404 - ogr2ogr, called with an argument list
import tempfile
import time
from pathlib import Path

from _django import start_django, stop_django

SEED = 20_250_701
TARGET = 0.5


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Benchmark the zone import against ogr2ogr.")
    parser.add_argument("--features", type=int, default=10_000, help="polygons in the file (default 10,000)")
    parser.add_argument("--repeat", type=int, default=5, help="repetitions; the median is reported (default 5)")
    parser.add_argument("--phases", action="store_true", help="print the median seconds of each phase")
    parser.add_argument("--boundaries", action="store_true",
                        help="give the communes synthetic boundaries (Voronoi cells of their centroids, ~600 vertices)")
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
    seconds = time.perf_counter() - started
    with connection.cursor() as cursor:  # before autovacuum comes for its 10,000 rows during the next measurement
        cursor.execute("DROP TABLE bench_ogr_raw")
    return seconds


def remove_imported_zones() -> None:
    from django.db import connection

    from apps.transfer.models import ImportJob
    from apps.zones.models import RawMaterialZone, ZoneStatusChange, ZoneVersion

    tables = [model._meta.db_table for model in (ZoneVersion, ZoneStatusChange)]
    tables += [RawMaterialZone.communes.through._meta.db_table, RawMaterialZone.producers.through._meta.db_table,
               RawMaterialZone._meta.db_table]
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(tables)} CASCADE")
        # The rows written and removed leave autovacuum work (vacuum, analyse) that would otherwise run during a
        # later measurement — ours or ogr2ogr's — on this two-core machine: done now, between measurements.
        cursor.execute(f"VACUUM ANALYZE {', '.join(tables)}, {ImportJob._meta.db_table}")


class PhaseLog(logging.Handler):
    """Collects the phases ``apps.transfer.bulk`` logs (``phase``, ``seconds``)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.seconds: dict[str, float] = {}

    def emit(self, record: logging.LogRecord) -> None:
        if hasattr(record, "phase"):
            self.seconds[record.phase] = self.seconds.get(record.phase, 0.0) + record.seconds


def timed_import(path: Path, user, *, commit: bool, phases: PhaseLog) -> tuple[float, object, dict[str, float]]:
    """Seconds from the upload to the saved report, the job, and the seconds of each phase."""
    from apps.transfer.services import create_import_job, run_import

    phases.seconds = {}
    started = time.perf_counter()
    job = create_import_job(kind="zones", file=path, user=user)
    uploaded = time.perf_counter()
    job = run_import(job=job, commit=commit, user=user)
    finished = time.perf_counter()
    seconds = {"upload": uploaded - started, **phases.seconds}
    seconds["rest of run_import"] = finished - uploaded - sum(phases.seconds.values())
    return finished - started, job, seconds


def check_saved(count: int) -> None:
    """Every zone of the file is saved with its communes, first history entry and first version."""
    from apps.zones.models import RawMaterialZone, ZoneStatusChange, ZoneVersion

    with_communes = RawMaterialZone.communes.through.objects.values("rawmaterialzone").distinct().count()
    saved = (RawMaterialZone.objects.count(), with_communes, ZoneStatusChange.objects.count(),
             ZoneVersion.objects.count())
    assert saved == (count,) * 4, saved


def load_synthetic_boundaries() -> None:
    """Give every 2025 commune of the database the Voronoi cell of its centroid as boundary, densified to ~100 m
    segments (real boundaries have hundreds to thousands of vertices): the communes are then found by boundary."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """WITH communes AS (SELECT id, centroid FROM territory_administrativeunit
                                 WHERE era = '2025' AND level = 'commune' AND centroid IS NOT NULL),
                    frame AS (SELECT ST_Expand(ST_Collect(centroid), 0.2) AS box FROM communes),
                    cells AS (SELECT (ST_Dump(ST_VoronoiPolygons(ST_Collect(centroid), 0, (SELECT box FROM frame))))
                                     .geom AS cell FROM communes)
               UPDATE territory_administrativeunit unit
               SET boundary = ST_Multi(ST_Segmentize(ST_Intersection(cell, (SELECT box FROM frame)), 0.001))
               FROM communes JOIN cells ON ST_Contains(cells.cell, communes.centroid)
               WHERE unit.id = communes.id""")
        cursor.execute("ANALYZE territory_administrativeunit")


def remove_boundaries() -> None:
    from apps.territory.models import AdministrativeUnit

    AdministrativeUnit.objects.update(boundary=None)


def rate(count: int, seconds: float) -> str:
    return f"{count / seconds:10,.0f} features/s   ({seconds:6.2f} s)"


def spread(values: list[float]) -> str:
    return f"median {statistics.median(values):.2f} s, min {min(values):.2f}, max {max(values):.2f}"


def run(arguments: argparse.Namespace) -> None:
    from django.contrib.auth import get_user_model

    from apps.accounts.models import OfficerProfile, Role
    from apps.territory.models import AdministrativeUnit, Era, Level

    centroids = [(unit.centroid.x, unit.centroid.y) for unit in AdministrativeUnit.objects.filter(
        era=Era.CURRENT, level=Level.COMMUNE, centroid__isnull=False)]
    user, _created = get_user_model().objects.get_or_create(username="bench-ocop-office")
    OfficerProfile.objects.get_or_create(user=user, defaults={"role": Role.PROVINCIAL_OFFICE})
    folder = Path(tempfile.mkdtemp(prefix="ocop-bench-import-"))
    if arguments.boundaries:
        load_synthetic_boundaries()
    try:
        measure(arguments, folder, centroids, user)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        if arguments.boundaries:
            remove_boundaries()


def measure(arguments: argparse.Namespace, folder: Path, centroids: list[tuple[float, float]], user) -> None:
    from django.conf import settings

    from apps.transfer.models import ImportStatus

    count = arguments.features
    settings.MEDIA_ROOT = str(folder / "media")
    path = folder / "vuon-ca-phe.geojson"
    path.write_text(json.dumps(farm_polygons(count, centroids), ensure_ascii=False), encoding="utf-8")
    print(f"file: {count:,} polygons, {path.stat().st_size / 1024 / 1024:.1f} MB, "
          f"{len(centroids)} communes with centroids" + (" and boundaries" if arguments.boundaries else ""))

    remove_imported_zones()
    settings.OCOP_IMPORT_BULK_THRESHOLD = 1
    phases = PhaseLog()
    bulk_logger = logging.getLogger("apps.transfer.bulk")
    bulk_logger.addHandler(phases)
    bulk_logger.setLevel(logging.DEBUG)
    bulk_logger.propagate = False
    ogr, dry, commit = [], [], []
    dry_phases: list[dict[str, float]] = []
    commit_phases: list[dict[str, float]] = []
    report = None
    for repetition in range(arguments.repeat):
        ogr.append(ogr2ogr_load(path))
        dry_seconds, checked, dry_split = timed_import(path, user, commit=False, phases=phases)
        commit_seconds, committed, commit_split = timed_import(path, user, commit=True, phases=phases)
        assert checked.status == ImportStatus.CHECKED, checked.error
        assert committed.status == ImportStatus.COMMITTED, committed.report["summary"]
        assert committed.report["method"] == "set_based"
        check_saved(count)
        report = committed.report["summary"]
        dry.append(dry_seconds)
        commit.append(commit_seconds)
        dry_phases.append(dry_split)
        commit_phases.append(commit_split)
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
        seconds, job, _split = timed_import(sample_path, user, commit=True, phases=phases)
        assert job.report["method"] == "per_feature" and job.status == ImportStatus.COMMITTED
        remove_imported_zones()
        per_feature = sample / seconds

    median = statistics.median
    print(f"\n== zones import, median of {arguments.repeat} ==")
    print(f"(b) ogr2ogr → PostGIS, no validation   {rate(count, median(ogr))}")
    print(f"(a) our import: commit                 {rate(count, median(commit))}")
    print(f"(a) our import: dry run                {rate(count, median(dry))}")
    if arguments.per_feature_sample:
        print(f"    per-feature path (first {sample} features, commit) {per_feature:10,.0f} features/s")
    print(f"    spread: ogr2ogr {spread(ogr)}; commit {spread(commit)}; dry run {spread(dry)}")
    if arguments.phases:
        print("\n== phases (median seconds) ==          dry run    commit")
        names = list(dict.fromkeys(name for split in commit_phases + dry_phases for name in split))
        for name in names:
            print(f"    {name:<32} {median([split.get(name, 0.0) for split in dry_phases]):9.3f} "
                  f"{median([split.get(name, 0.0) for split in commit_phases]):9.3f}")
    ratio = median(ogr) / median(commit)
    print(f"\n== ratio a/b, a real import (commit, validation included) vs ogr2ogr (target ≥ {TARGET}) ==")
    print(f"commit               {ratio:6.2f}   {'ok' if ratio >= TARGET else 'MISSED'}")
    print(f"(dry run             {median(ogr) / median(dry):6.2f})")


def main() -> None:
    arguments = parse_arguments()
    started = time.perf_counter()
    config = start_django("test_ocop_bench_import", arguments.keepdb)
    try:
        from apps.territory.services import load_admin_units

        load_admin_units(province_code="66")
        print(f"database ready in {time.perf_counter() - started:.1f} s")
        run(arguments)
    finally:
        stop_django(config, arguments.keepdb)


if __name__ == "__main__":
    main()
