"""Read the demo seed files in ``fixtures/`` (JSON and CSV; see fixtures/demo/README.md)."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.conf import settings


def fixtures_dir() -> Path:
    return Path(settings.BASE_DIR) / "fixtures"


@cache
def seed_file(name: str) -> dict:
    """The parsed JSON seed file ``fixtures/demo/<name>.json``."""
    with (fixtures_dir() / "demo" / f"{name}.json").open(encoding="utf-8") as handle:
        return json.load(handle)


@dataclass(frozen=True)
class PopulationRow:
    era: str
    code: str
    name: str
    population: int
    year: int
    source: str


def population_rows(path: Path | None = None) -> list[PopulationRow]:
    """Rows of ``fixtures/population_2020.csv`` (or ``path``): one administrative unit's population each."""
    path = path or fixtures_dir() / "population_2020.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        return [
            PopulationRow(era=row["era"], code=row["code"], name=row["name"], population=int(row["population"]),
                          year=int(row["year"]), source=row["source"])
            for row in csv.DictReader(handle)
        ]
