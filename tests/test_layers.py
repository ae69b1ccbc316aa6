"""The package layers hold: domain packages import one another without a cycle, only routers
reach into the web layer, and the shared helpers know no domain."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import opendialer

ROOT = Path(opendialer.__file__).parent
DOMAINS = {
    "auth",
    "tenancy",
    "dialler",
    "loans",
    "calllist",
    "calltracking",
    "callreports",
    "outcomes",
    "idempotency",
}
# What knows no domain and no web: the database layer and the shared helpers.
BASE = {"db", "kit", "errors"}
WEB_FRAMEWORKS = ("fastapi", "starlette")


def imports() -> dict[str, set[str]]:
    """Each module of the package (as a path under it, `dialler/service.py`) and the modules it
    imports, whether at the top or inside a function."""
    found: dict[str, set[str]] = {}
    for path in ROOT.rglob("*.py"):
        module = path.relative_to(ROOT).as_posix()
        if module.startswith("db/migrations/"):
            continue
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module)
                names.update(f"{node.module}.{alias.name}" for alias in node.names)
            elif isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
        found[module] = names
    return found


def part(name: str) -> str | None:
    """The first part of an opendialer module's name (`dialler` for opendialer.dialler.x)."""
    pieces = name.split(".")
    return pieces[1] if pieces[0] == "opendialer" and len(pieces) > 1 else None


def test_domain_packages_import_one_another_without_a_cycle() -> None:
    edges: defaultdict[str, set[str]] = defaultdict(set)
    for module, names in imports().items():
        source = module.split("/")[0]
        if source not in DOMAINS:
            continue
        for name in names:
            target = part(name)
            if target in DOMAINS and target != source:
                edges[source].add(target)

    def cycle_from(start: str, path: list[str]) -> list[str] | None:
        for target in sorted(edges[path[-1]]):
            if target == start:
                return [*path, target]
            if target not in path:
                found = cycle_from(start, [*path, target])
                if found:
                    return found
        return None

    for domain in sorted(DOMAINS):
        assert cycle_from(domain, [domain]) is None, " -> ".join(cycle_from(domain, [domain]) or [])
    # The one outcome path depends on the stores it writes, never the other way round.
    assert {"dialler", "calltracking", "callreports"} <= edges["outcomes"]
    assert not any("outcomes" in targets for targets in edges.values())


def test_only_routers_reach_into_the_web_layer() -> None:
    offenders = [
        f"{module} imports {name}"
        for module, names in imports().items()
        if module.split("/")[0] in DOMAINS and not module.endswith("router.py")
        for name in names
        if part(name) == "web" or name.split(".")[0] in WEB_FRAMEWORKS
    ]
    assert offenders == []


def test_the_database_layer_and_the_helpers_know_no_domain_and_no_web() -> None:
    offenders = [
        f"{module} imports {name}"
        for module, names in imports().items()
        if module.split("/")[0].removesuffix(".py") in BASE and module != "db/models.py"
        for name in names
        if part(name) in DOMAINS | {"web"} or name.split(".")[0] in WEB_FRAMEWORKS
    ]
    assert offenders == []


def test_tenant_scoping_is_written_in_one_place() -> None:
    """Every repository scopes its queries through db/repository.py's owned_by, the one line
    that compares a tenant_id column. Migrations, which change every tenant's rows, are not
    repositories."""
    written = sorted(
        path.relative_to(ROOT).as_posix()
        for path in ROOT.rglob("*.py")
        if "tenant_id ==" in path.read_text() and "migrations" not in path.parts
    )
    assert written == ["db/repository.py"]
