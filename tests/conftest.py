"""Shared test helpers: run the real `newsbeam` command and read its output back with DuckDB."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"


def newsbeam(*args, check: bool = True, timeout: int = 600) -> subprocess.CompletedProcess:
    """The installed console script (next to this Python), with this checkout first on the path."""
    script = Path(sys.executable).with_name("newsbeam")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "pipelines.cli"]
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    result = subprocess.run([*command, *map(str, args)], capture_output=True, text=True, timeout=timeout, env=env)
    if check and result.returncode != 0:
        raise AssertionError(f"newsbeam {' '.join(map(str, args))} exited {result.returncode}:\n{result.stderr[-3000:]}")
    return result


def read_articles(output: Path, where: str = "true") -> list[dict]:
    """Every article row under output/articles, read with DuckDB and hive partitioning."""
    import duckdb
    con = duckdb.connect()
    rel = con.sql(f"SELECT * FROM read_parquet('{output}/articles/**/*.parquet', hive_partitioning=true) "
                  f"WHERE {where} ORDER BY article_id")
    return [dict(zip(rel.columns, row)) for row in rel.fetchall()]


@pytest.fixture(scope="session")
def seeds_output(tmp_path_factory) -> Path:
    """One pipeline run over seeds/, shared by the tests that only read its output."""
    out = tmp_path_factory.mktemp("seeds") / "out"
    newsbeam("run", "--input", SEEDS, "--output", out)
    return out
