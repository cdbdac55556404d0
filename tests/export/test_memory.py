"""The export streams: ten times the responses does not take more memory.

Each measurement runs in a fresh process (tests/export/memory_probe.py) on its own SQLite
database, with free text included so scrubbing runs too. The full-size figures (10,000 vs
100,000 responses, also on PostgreSQL) come from running the probe by hand.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def probe(*args: str) -> dict:
    result = subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "tests.export.memory_probe", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    )
    return json.loads(result.stdout.strip().splitlines()[-1]) if result.stdout.strip() else {}


@pytest.fixture(scope="module")
def databases(tmp_path_factory):
    folder = tmp_path_factory.mktemp("memory")
    urls = {}
    for size in (2_000, 20_000):
        urls[size] = f"sqlite:///{folder}/{size}.db"
        probe("fill", urls[size], str(size))
    return folder, urls


@pytest.mark.parametrize("mode", ["cli", "web"])
def test_peak_memory_does_not_grow_with_the_number_of_responses(databases, mode):
    folder, urls = databases
    growth = {}
    sizes = {}
    for size, url in urls.items():
        extra = [str(folder / f"{size}.zip")] if mode == "cli" else []
        result = probe(mode, url, *extra)
        growth[size] = result["peak_mb"] - result["before_mb"]
        sizes[size] = result["bytes"]
    assert sizes[20_000] > 8 * sizes[2_000]  # ten times the data went out...
    assert growth[20_000] < growth[2_000] + 5, growth  # ...in the same memory
    assert growth[20_000] < 20, growth
