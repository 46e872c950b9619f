"""`newsbeam report`: a run's Parquet output read with DuckDB (data), written as ONE self-contained HTML
page (page, charts) that needs no network.

Sections: articles per outlet per day, languages · syndication (largest copy groups, who carried each
and how long after the original) · stories across outlets · stance toward each target, per outlet and
per holder, evidence on hover and click · top entities per day · dead letters by stage/reason. A
section without data says why (no copies found, no --targets given, ...) instead of drawing an empty
chart.
"""
from __future__ import annotations

import os

from pipelines.report.data import ReportError, collect
from pipelines.report.page import render

__all__ = ["ReportError", "collect", "render", "write_report"]


def load_targets(path: str | None) -> dict[str, str]:
    """target id → claim, from the same --targets file the run was given (optional)."""
    if not path:
        return {}
    from pipelines.options import load_config
    spec = load_config(path).get("targets") or []
    return {str(t["id"]): str(t.get("claim", "")) for t in spec if isinstance(t, dict) and t.get("id")}


def write_report(output: str, html_path: str | None = None, targets: str | None = None) -> str:
    html_path = html_path or os.path.join(output, "report.html")
    page = render(collect(output), load_targets(targets))
    os.makedirs(os.path.dirname(os.path.abspath(html_path)), exist_ok=True)
    temp = html_path + ".tmp"
    with open(temp, "w", encoding="utf-8") as f:
        f.write(page)
    os.replace(temp, html_path)
    return html_path
