"""The code keeps its layers: the ledger core free of the UI, the UI never talking to git itself,
every package importing only those below it (the import-linter contracts in pyproject.toml), and no
circle of imports anywhere."""
from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parent.parent


def imports(package: str) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for path in (ROOT / package).rglob("*.py"):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module.split(".")[0])
        found[str(path.relative_to(ROOT))] = names
    return found


def test_store_never_imports_textual_or_the_tui():
    offenders = {f: n & {"textual", "rich", "tui"} for f, n in imports("store").items() if n & {"textual", "rich", "tui"}}
    assert offenders == {}


def test_importing_the_whole_store_loads_no_textual():
    modules = [".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
               for p in (ROOT / "store").rglob("*.py")]
    code = ("import sys\n" + "".join(f"import {m}\n" for m in modules)
            + "assert not [m for m in sys.modules if m.startswith('textual')], 'textual loaded'\n")
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)


def test_tui_never_runs_git():
    banned = {"git", "pygit2", "gitdb", "subprocess"}
    offenders = {f: n & banned for f, n in imports("tui").items() if n & banned}
    assert offenders == {}


def lint_imports(root: Path) -> subprocess.CompletedProcess:
    command = Path(sys.executable).with_name("lint-imports")   # import-linter's own command, from the venv
    return subprocess.run([str(command), "--config", str(root / "pyproject.toml"), "--no-cache"],
                          cwd=root, capture_output=True, text=True,
                          env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"})


def test_every_import_contract_is_kept():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_an_upward_import_breaks_the_contract_even_inside_a_function(tmp_path):
    """The contracts are not vacuous: money (store.core) reaching up to the term report (store.io)
    from inside a function, as a start-up-time import would, is reported."""
    for package in ("store", "tui", "bangfu"):
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    money = tmp_path / "store" / "core" / "money.py"
    money.write_text(money.read_text(encoding="utf-8")
                     + "\n\ndef _report():\n    from store.io import report\n    return report\n", encoding="utf-8")
    result = lint_imports(tmp_path)
    assert result.returncode != 0
    assert "store.core is not allowed to import store.io" in result.stdout
    assert "store.core.money -> store.io.report" in result.stdout


def test_no_circle_of_imports_in_any_package():
    graph = grimp.build_graph("store", "tui", "bangfu")
    circles = []
    for module in sorted(graph.modules):
        for imported in graph.find_modules_directly_imported_by(module):
            if graph.chain_exists(importer=imported, imported=module):
                circles.append((module, imported))
    assert circles == []
