"""The house rules of the layout, read from the source with `ast` (nothing is imported to check them):
no import cycles, `transforms` never imports `pipelines`, every in-project import names a module of
this checkout, modules stay small, and each stage package says what it does and exports its stages."""
from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("pipelines", "transforms", "schemas")
STAGE_PACKAGES = ("transforms.ingest", "transforms.text", "transforms.analysis", "transforms.dedup")
MAX_LINES = 400


def modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


def imported(path: Path, name: str) -> set[str]:
    """Every in-project module `path` imports, at module level or inside a function."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
            out.add(base)
            out.update(f"{base}.{alias.name}" for alias in node.names)  # `from pkg import module`
    return {m for m in out if m.split(".")[0] in PACKAGES}


def graph() -> dict[str, set[str]]:
    """module → the modules it depends on. Importing `a.b.c` also runs the package `a.b`'s __init__,
    unless the importer is itself inside `a.b` (then the package is already being set up)."""
    known = modules()
    edges = {}
    for name, path in known.items():
        targets = set()
        for module in imported(path, name):
            if module in known and not name.startswith(module + "."):
                targets.add(module)
            parent = module.rpartition(".")[0]
            while parent:
                if parent in known and not name.startswith(parent + ".") and name != parent:
                    targets.add(parent)
                parent = parent.rpartition(".")[0]
        targets.discard(name)
        edges[name] = targets
    return edges


def test_every_project_import_names_a_module_or_a_name_of_this_checkout():
    """An editable install of another checkout would otherwise lend a module this one no longer has."""
    known = modules()
    missing = []
    for name, path in known.items():
        for module in imported(path, name):
            if module in known:
                continue
            parent, _, attribute = module.rpartition(".")
            if parent in known and attribute in ast.unparse(ast.parse(known[parent].read_text(encoding="utf-8"))):
                continue  # `from package.module import name`: a name, not a module
            missing.append(f"{name} imports {module}")
    assert not missing, missing


def test_transforms_never_import_pipelines():
    offenders = [f"{name} → {target}" for name, targets in graph().items() if name.startswith("transforms")
                 for target in targets if target.startswith("pipelines")]
    assert not offenders, offenders


def test_no_import_cycles():
    edges = graph()
    state: dict[str, int] = {}   # 1: on the current path, 2: done
    cycles = []

    def visit(node, path):
        state[node] = 1
        for target in sorted(edges.get(node, ())):
            if state.get(target) == 1:
                cycles.append(" → ".join(path[path.index(target):] + [target]))
            elif target not in state:
                visit(target, path + [target])
        state[node] = 2

    for node in sorted(edges):
        if node not in state:
            visit(node, [node])
    assert not cycles, cycles


def test_modules_stay_small():
    long = {name: n for name, path in modules().items()
            if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert not long, f"split these (one concern per module, at most {MAX_LINES} lines): {long}"


@pytest.mark.parametrize("package", STAGE_PACKAGES)
def test_stage_packages_say_what_they_do_and_export_their_stages(package):
    import apache_beam as beam
    module = importlib.import_module(package)
    assert module.__doc__ and len(module.__doc__.strip().splitlines()) <= 2, f"{package}: a two-line docstring"
    assert module.__all__, f"{package} exports nothing"
    for name in module.__all__:
        assert issubclass(getattr(module, name), beam.PTransform), f"{package}.{name} is not a PTransform"


def test_no_merge_conflict_markers_are_committed():
    """Many branches merge into main: a conflict left in a file must fail here, not in a reader's eyes."""
    import subprocess
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True).stdout.split()
    if not tracked:   # not a git checkout (an sdist): nothing to check
        pytest.skip("not a git checkout")
    markers = ("<" * 7 + " ", "=" * 7 + "\n", ">" * 7 + " ")
    found = []
    for name in tracked:
        path = ROOT / name
        if path.suffix not in {".py", ".md", ".sql", ".txt", ".json", ".yaml", ".yml", ".toml", ".ini", ".cfg", ""}:
            continue
        try:
            lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        except (OSError, UnicodeDecodeError):
            continue
        found += [f"{name}:{i}" for i, line in enumerate(lines, 1) if line.startswith(markers)]
    assert not found, found
