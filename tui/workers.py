"""Background work: ledger reads run in thread workers and answer with typed messages;
a worker that fails reports it in one place (the app's `WorkerFailed` handler)."""
from __future__ import annotations

import functools
from typing import Callable, TypeVar

from textual import work
from textual.message import Message
from textual.worker import get_current_worker

from store.core import crashlog, i18n
from store.core.errors import BangfuError

T = TypeVar("T")


class WorkerFailed(Message):
    """A background job raised: the app shows it as a notification."""

    def __init__(self, error: BaseException) -> None:
        super().__init__()
        self.error = error


class LedgerChanged(Message):
    """The branch moved (another writer, a sync or this app saved): these records changed."""

    def __init__(self, ids: set[str], tip: str) -> None:
        super().__init__()
        self.ids = ids
        self.tip = tip


def background(group: str) -> Callable:
    """A thread worker (exclusive in its group: a newer request supersedes an older one)
    whose exception becomes a `WorkerFailed` message to the app instead of a crash."""

    def decorate(method: Callable) -> Callable:
        @functools.wraps(method)
        def guarded(self, *args, **kwargs):
            try:
                return method(self, *args, **kwargs)
            except Exception as exc:  # reported to the user, never a traceback on screen
                if not get_current_worker().is_cancelled:
                    self.app.post_message(WorkerFailed(exc))
                return None

        return work(thread=True, exclusive=True, exit_on_error=False, group=group)(guarded)

    return decorate


def settled(read: Callable[[], T], attempts: int = 5) -> T:
    """Run a read of the ledger's index again if another thread (the poll, a save) changed the
    index in the middle of it: the in-memory index is not locked for readers."""
    for _ in range(attempts - 1):
        try:
            return read()
        except (RuntimeError, KeyError):  # "dictionary changed size during iteration", a vanished id
            continue
    return read()


def error_text(error: BaseException) -> str:
    """What the user reads: the store's own message, or where the details were written."""
    if isinstance(error, BangfuError):
        return str(error)
    return i18n.t("tui.error.unexpected", log=crash_log(error))


def crash_log(error: BaseException) -> str:
    return crashlog.write(error, "bangfu (dashboard)")
