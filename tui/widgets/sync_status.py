"""The sync line on the dashboard, and the sync itself.

It shows, per remote, the commits to send and to receive (as of the last fetch) and the last
successful sync, plus the open conflicts (`store.sync.status`); while a sync runs, its
progress. `start()` runs `store.sync.sync` in a thread worker; a failure goes to the app's
one worker-error reporter, the summary comes as a notification and `Finished` bubbles up to
the screen so that it reads the status again.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.message import Message
from textual.widgets import Static

from store.core import i18n

from ..workers import background

if TYPE_CHECKING:
    from store.sync import remote as sync


def _last(when: str | None) -> str:
    return when[:16].replace("T", " ") if when else i18n.t("sync.cli.never")


def _count(value: int | None) -> str:
    return i18n.t("sync.cli.unknown") if value is None else str(value)


def status_text(status: sync.Status | None, progress: str | None = None) -> Text:
    text = Text(i18n.t("tui.sync.label"), style="bold")
    text.append("  ")
    if progress is not None:
        text.append(i18n.t("tui.sync.running", step=progress), style="cyan")
        return text
    if status is None:
        text.append(i18n.t("tui.section.loading"), style="dim")
        return text
    if not status.remotes:
        text.append(i18n.t("sync.cli.no_remotes_yet"), style="dim")
    for n, remote in enumerate(status.remotes):
        if n:
            text.append("  ·  ", style="dim")
        behind = bool(remote.ahead or remote.behind)
        text.append(i18n.t("tui.sync.remote", remote=remote.name, ahead=_count(remote.ahead),
                           behind=_count(remote.behind), last=_last(remote.last_sync)),
                    style="yellow" if behind else "")
    if status.conflicts:
        text.append("  ")
        text.append(i18n.t("tui.sync.open_conflicts", count=status.conflicts), style="bold yellow")
    return text


def summary(result: sync.SyncResult) -> str:
    """What a finished sync did, in one notification."""
    moved = result.incoming.total or result.outgoing.total or result.merged or result.pushed or result.fast_forward
    text = i18n.t("tui.sync.done", remote=result.remote, incoming=result.incoming.total,
                  outgoing=result.outgoing.total) if moved else i18n.t("sync.cli.up_to_date", remote=result.remote)
    if result.conflicts or result.open_conflicts:
        text += "\n" + i18n.t("tui.sync.conflicts", new=len(result.conflicts), open=result.open_conflicts)
    return text


class SyncStatus(Static):
    class Progress(Message):
        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    class Finished(Message):
        """A sync ended (result None: it failed, already reported, or there was no remote)."""

        def __init__(self, result: sync.SyncResult | None, no_remote: bool = False) -> None:
            super().__init__()
            self.result = result
            self.no_remote = no_remote

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(status_text(None), id=id, classes=classes)
        self.status: sync.Status | None = None
        self.progress: str | None = None          # None: no sync running

    @property
    def syncing(self) -> bool:
        return self.progress is not None

    def show_status(self, status: sync.Status) -> None:
        self.status = status
        self._paint()

    def _paint(self) -> None:
        self.update(status_text(self.status, self.progress))

    def start(self) -> None:
        """Sync with the default remote, unless a sync is running already."""
        if self.syncing:
            self.notify(i18n.t("tui.sync.busy"), severity="warning", markup=False)
            return
        self.progress = i18n.t("tui.sync.starting")
        self._paint()
        self._sync()

    @background("sync")
    def _sync(self) -> None:
        from store.sync import remote as sync
        ledger = self.app.ledger  # type: ignore[attr-defined]
        result, no_remote = None, False
        try:
            if not sync.remotes(ledger):
                no_remote = True
                return
            result = sync.sync(ledger, None, progress=lambda key, params: self.post_message(
                self.Progress(sync.progress_text(key, params))))
        finally:  # whatever happened, the line stops saying "syncing"
            self.post_message(self.Finished(result, no_remote))

    @on(Progress)
    def _progress(self, message: Progress) -> None:
        message.stop()
        if self.syncing:
            self.progress = message.text
            self._paint()

    @on(Finished)
    def _finished(self, message: Finished) -> None:
        # Not stopped: the screen hears it too and reads the status again.
        self.progress = None
        self._paint()
        if message.no_remote:
            self.notify(i18n.t("tui.sync.no_remote"), severity="warning", markup=False, timeout=10)
        elif message.result is not None:
            self.notify(summary(message.result), markup=False, timeout=8)
