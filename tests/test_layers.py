"""Imports point one way: routes → services → models and engines; jobs → services.

Walks every module's import statements (function-local ones included: hiding an
import inside a function does not change the direction). See docs/architecture.md.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Every package under webapp/ but the domain and the tables is a blueprint (routes).
BLUEPRINTS = sorted(
    p.parent.name
    for p in (ROOT / "webapp").glob("*/__init__.py")
    if p.parent.name not in ("services", "models")
)


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path) -> set[str]:
    """Every module a file imports, absolute, plus ``module.name`` for ``from m import name``."""
    package = _module_name(path).split(".")
    if path.name != "__init__.py":
        package.pop()
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return found


def _files(*packages: str) -> list[Path]:
    return sorted(p for package in packages for p in (ROOT / package).rglob("*.py"))


def _violations(files: list[Path], forbidden: tuple[str, ...]) -> list[str]:
    bad = []
    for path in files:
        for name in sorted(_imports(path)):
            if any(name == f or name.startswith(f + ".") for f in forbidden):
                bad.append(f"{path.relative_to(ROOT)} imports {name}")
    return bad


def test_services_never_import_jobs_or_the_app_factory():
    forbidden = ("jobs", "webapp.create_app", "webapp.worker")
    assert _violations(_files("webapp/services"), forbidden) == []


def test_services_never_reach_up_into_the_view_layer():
    """No request, session, templates or blueprint code in the domain (``lazy_gettext``
    markers on named errors are fine: they are message keys, resolved by the page)."""
    forbidden = (
        "webapp.i18n",
        "webapp.render",
        "webapp.security",
        "webapp.sessions",
        "flask.request",
        "flask.session",
        "flask.render_template",
        "flask.g",
        "flask_login",
        *(f"webapp.{bp}" for bp in BLUEPRINTS),
    )
    assert _violations(_files("webapp/services"), forbidden) == []


def test_engines_know_nothing_of_flask_or_the_webapp():
    forbidden = ("flask", "flask_babel", "flask_login", "webapp", "jobs")
    assert _violations(_files("face_engine", "nfc_bridge", "mrz_reader"), forbidden) == []


def test_jobs_never_build_the_app_themselves():
    forbidden = ("webapp.create_app", "flask.request")
    assert _violations(_files("jobs"), forbidden) == []


def test_the_web_side_never_imports_jobs():
    """Routes and services enqueue by path (``webapp.services.tasks``); only the
    ``jobs`` package imports the web side, never the other way round."""
    assert _violations(_files("webapp"), ("jobs",)) == []


def test_importing_every_service_loads_no_job_module():
    services = sorted(p.stem for p in (ROOT / "webapp/services").glob("*.py"))
    code = (
        "import importlib, sys\n"
        f"for name in {services!r}:\n"
        "    importlib.import_module('webapp.services.' + name)\n"
        "print(sorted(m for m in sys.modules if m == 'jobs' or m.startswith('jobs.')))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"
