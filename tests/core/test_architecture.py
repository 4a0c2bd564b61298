"""The house rules of ARCHITECTURE.md, read from the code's own imports (every ``import``, also the
ones inside functions): arrows point down only, no cycles, and no room grows past about 400 lines."""

from __future__ import annotations

import ast
from functools import lru_cache
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
#: Top-level packages of the product (not tests, not scripts).
PACKAGES = ("vocabulary", "vision", "accounts", "wardrobe", "workers")

#: Rooms from the bottom floor up: a room may import only rooms listed before it (or itself).
#: ``wardrobe`` (the project package: settings, root URLs, WSGI) sits on top and composes them all.
FLOORS = [
    "vocabulary",
    "vision",
    "wardrobe.core",
    "accounts",
    "wardrobe.legacy",
    "wardrobe.closet",
    "wardrobe.weather",
    "wardrobe.outfits",
    "wardrobe.suggestions",
    "wardrobe.packing",
    "wardrobe.preferences",
    "wardrobe.wishlist",
    "wardrobe.backup",
    "wardrobe.care",
    "wardrobe.stats",
    "workers",
    "wardrobe",
]
#: Rooms a room may not import although they stand lower: side by side, they know nothing of each other.
APART = {
    "wardrobe.weather": {"wardrobe.closet"},
    "wardrobe.outfits": {"wardrobe.weather"},
}
MAX_LINES = 410


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@lru_cache(maxsize=1)
def modules() -> dict[str, Path]:
    """Every product module (migrations and tests excluded), by dotted name."""
    found = {}
    for package in PACKAGES:
        for path in (REPO / package).rglob("*.py"):
            if "migrations" in path.parts or "__pycache__" in path.parts:
                continue
            found[_module_name(path)] = path
    return found


def _imports(name: str) -> set[str]:
    """The dotted names a module imports (absolute and relative, at any depth of the code)."""
    path = modules()[name]
    tree = ast.parse(path.read_text(), filename=str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            for alias in node.names:
                full = f"{base}.{alias.name}"
                out.add(full if full in modules() else base)
    return out


def _project_imports(name: str) -> set[str]:
    """Imports of project modules, each resolved to the module (a package's ``__init__`` for a name in it)."""
    out = set()
    for imported in _imports(name):
        while imported and imported not in modules():
            imported = imported.rpartition(".")[0]
        if imported and imported != name:
            out.add(imported)
    return out


def _room(name: str) -> str:
    """The room (a key of ``FLOORS``) a module belongs to: the longest prefix listed."""
    return max((room for room in FLOORS if name == room or name.startswith(room + ".")), key=len)


def test_the_rooms_cover_every_module():
    assert len(modules()) > 100
    assert {_room(name) for name in modules()} == set(FLOORS)


def test_arrows_point_down_only():
    wrong = []
    for name in sorted(modules()):
        room = _room(name)
        for target in sorted(_project_imports(name)):
            other = _room(target)
            if other == room:
                continue
            if FLOORS.index(other) > FLOORS.index(room) or other in APART.get(room, ()):
                wrong.append(f"{name} -> {target}")
    assert not wrong, "imports that point up or across:\n" + "\n".join(wrong)


def test_no_import_cycles():
    """Tarjan's strongly connected components over the module graph: none larger than one module."""
    graph = {name: _project_imports(name) for name in modules()}
    index, low, stack, on_stack, cycles, counter = {}, {}, [], set(), [], [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for name in sorted(graph):
        if name not in index:
            visit(name)
    assert not cycles, f"import cycles: {cycles}"


@pytest.mark.parametrize(
    "room, forbidden",
    [
        ("vocabulary", ("django", "torch", "numpy", "rest_framework", "celery")),
        ("vision", ("django", "rest_framework", "celery", "wardrobe", "accounts", "workers")),
        (
            "accounts",
            (
                "wardrobe.closet",
                "wardrobe.outfits",
                "wardrobe.suggestions",
                "wardrobe.weather",
                "wardrobe.preferences",
                "workers",
                "celery",
            ),
        ),
    ],
)
def test_lower_rooms_know_nothing_of_the_upper_ones(room, forbidden):
    wrong = [
        f"{name} imports {imported}"
        for name in modules()
        if _room(name) == room
        for imported in _imports(name)
        if imported.split(".")[0] in forbidden
        or imported in forbidden
        or any(imported.startswith(f + ".") for f in forbidden)
    ]
    assert not wrong, wrong


def test_services_selectors_and_rules_know_nothing_of_celery():
    """Retries, time limits and the broker belong to ``workers``; the rooms raise their own errors."""
    wrong = [
        f"{name} imports {imported}"
        for name in modules()
        if name.startswith("wardrobe.")
        and any(
            part in name.split(".")
            for part in ("services", "selectors", "rules", "queue", "errors", "filters", "models")
        )
        for imported in _imports(name)
        if imported.split(".")[0] in ("celery", "kombu", "workers")
    ]
    assert not wrong, wrong


def test_no_module_is_over_about_400_lines():
    """Every module outside migrations and tests, the benchmark scripts included."""
    paths = list(modules().values()) + sorted((REPO / "bench").glob("*.py"))
    long = {str(p.relative_to(REPO)): n for p in paths if (n := len(p.read_text().splitlines())) > MAX_LINES}
    assert not long, long
