"""The ledger core stays free of the UI, and the UI never talks to git itself."""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

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
