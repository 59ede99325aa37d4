"""Extension points of the ledger core, filled in by the layers above it.

The core makes ledgers and writes records, and knows nothing of what stands on it. Two things must
still happen inside those steps: a record's personal identifiers are sealed before it is written
(store.privacy), and a new repository gets what sync needs, git's merge driver and the hub's hook
(store.sync). Those layers register here when they are imported, and `store.Ledger` imports them,
so a ledger opened through it has both. Without them the core refuses instead of doing less: a
record holding identifiers is never written unsealed, and no ledger is made that could not sync."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Iterable

from store.core.errors import BangfuError

if TYPE_CHECKING:
    from store.ledger.gitstore import GitStore


@dataclass(frozen=True)
class Sealing:
    prepare: Callable[[Any, list[Any]], None]    # (ledger, the Changes of a batch): before any is sealed
    seal: Callable[[Any, dict], dict]            # (ledger, record) -> the record as it may be committed
    # (ledger, record) -> warnings only the clear values show (a birth date against the grade), made
    # before the record is sealed; the checks after sealing see masked values only
    warnings: Callable[[Any, dict], list[Any]] = lambda ledger, record: []


@dataclass(frozen=True)
class Setup:
    files: Callable[[], dict[str, bytes]]        # files every new ledger carries in its first tree
    configure: Callable[["GitStore", bool], None]  # (repository, shared): settings git does not clone


class LayerMissing(BangfuError):
    key = "error.layer_missing"


_sealing: Sealing | None = None
_setup: Setup | None = None
# (ledger, [(record id, before, after)]) -> error Findings: changes a layer above refuses
# (store.twinning.locks: records of an inspected plan or a closed term), each with the record
# types it looks at (a save of other records does not read their versions before for it).
_guards: list[tuple[Callable[[Any, list[tuple[str, dict | None, dict | None]]], list[Any]], frozenset[str]]] = []


def register_sealing(sealing: Sealing) -> None:
    global _sealing
    _sealing = sealing


def register_setup(setup: Setup) -> None:
    global _setup
    _setup = setup


def register_guard(guard: Callable[[Any, list[tuple[str, dict | None, dict | None]]], list[Any]],
                   types: Iterable[str]) -> None:
    """`guard` is given the changes to records of `types` (record types), when a save has any."""
    if all(g is not guard for g, _t in _guards):
        _guards.append((guard, frozenset(types)))


def guards() -> tuple:
    return tuple(_guards)


def sealing() -> Sealing:
    if _sealing is None:
        raise LayerMissing(layer="store.privacy")
    return _sealing


def setup() -> Setup:
    if _setup is None:
        raise LayerMissing(layer="store.sync")
    return _setup
