"""The code that figures are worked out by, as a digest: remembered figures (store/ledger/memo.py)
are kept under it beside the ledger's version, so that after an upgrade that counts differently
they are worked out again, not shown as an older Bangfu counted them.

The code is a module and every module of store/ it imports, directly or through the others, read
from their import lines: an import added tomorrow is followed without anyone keeping a list (a
regular expression, not the parser, keeps the dashboard's first paint quick).
"""
from __future__ import annotations

import functools
import hashlib
import re
from pathlib import Path

_FROM = re.compile(r"^[ \t]*from[ \t]+(store(?:\.\w+)*)[ \t]+import[ \t]+(\([^)]*\)|[^\n#]*)", re.M)
_IMPORT = re.compile(r"^[ \t]*import[ \t]+(store(?:\.\w+)*)", re.M)
_ROOT = Path(__file__).resolve().parents[2]      # the folder holding store/


def files(module: Path) -> list[Path]:
    """The source files of a module of store/ and of everything of store/ it imports."""
    seen: dict[Path, None] = {}
    todo = [module.resolve()]
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen[path] = None
        text = path.read_text(encoding="utf-8")
        names = [m.group(1) for m in _IMPORT.finditer(text)]
        for m in _FROM.finditer(text):
            # `from store.twinning import targets` imports the module store/twinning/targets.py
            names += [m.group(1)] + [f"{m.group(1)}.{n.split()[0]}" for n in m.group(2).strip("()").split(",")
                                     if n.strip()]
        for name in names:
            base = _ROOT.joinpath(*name.split("."))
            todo += [f for f in (base.with_suffix(".py"), base / "__init__.py") if f.is_file()]
    return sorted(seen)


@functools.lru_cache(maxsize=8)
def digest(module: Path) -> str:
    sha = hashlib.sha1()
    for path in files(module):
        sha.update(path.read_bytes())
    return sha.hexdigest()
