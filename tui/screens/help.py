"""The keys of the screen underneath, with what they do (`?` or F1)."""
from __future__ import annotations

import os
import tomllib
from pathlib import Path

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Label, Static

from store.core import i18n

from ..columns import PAGE_KEY
from ..keys import install_keys


def key_rows(screen: Screen) -> list[tuple[str, str]]:
    """(keys, what they do) for the app's own enabled bindings on a screen, the screen's first;
    several keys for one action share a row."""
    app = screen.app
    rows: dict[tuple[int, str], tuple[list[str], str]] = {}
    for _key, (node, binding, enabled, _tip) in screen.active_bindings.items():
        if not enabled or not binding.description or not (binding.id or "").startswith("bangfu."):
            continue
        if binding.id.startswith(PAGE_KEY):
            continue   # (below: the pages whatever has the focus)
        keys, _text = rows.setdefault((id(node), binding.action), ([], binding.description))
        shown = app.get_key_display(binding)
        if shown not in keys:
            keys.append(shown)
    ordered = sorted(rows.items(), key=lambda item: item[0][0] == id(app))   # the screen's first
    out = [(" / ".join(keys), text) for _node, (keys, text) in ordered]
    at = next((n + 1 for n, ((node, action), _row) in enumerate(ordered) if node == id(app) and action == "help"),
              len(out))
    return out[:at] + [(key, title) for key, title, _page in app.page_keys()] + out[at:]


def keymap_path() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "bangfu" / "keymap.toml"


def load_keymap() -> tuple[dict[str, str], str | None]:
    """The user's own keys: `"bangfu.section.new" = "a"` lines (binding id = keys) in
    keymap.toml under $XDG_CONFIG_HOME/bangfu. A broken file is reported, not fatal."""
    path = keymap_path()
    if not path.is_file():
        return {}, None
    try:
        with path.open("rb") as fh:
            table = tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        return {}, i18n.t("tui.error.keymap", path=str(path), detail=str(exc))
    keymap = {k: v for k, v in table.items() if isinstance(v, str) and k.startswith("bangfu.")}
    unknown = sorted(set(table) - set(keymap))
    return keymap, (i18n.t("tui.error.keymap", path=str(path), detail=i18n.listing(unknown)) if unknown else None)


def _shown(path: Path) -> str:
    try:
        return "~/" + str(path.relative_to(Path.home()))
    except ValueError:
        return str(path)


class HelpScreen(ModalScreen[None]):
    KEYS = [Binding("escape,question_mark,f1,q", "close", "tui.key.close", id="bangfu.help.close")]

    def __init__(self, rows: list[tuple[str, str]]):
        super().__init__()
        install_keys(self)
        self.rows = rows

    def compose(self) -> ComposeResult:
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold", no_wrap=True)
        table.add_column()
        for key, text in self.rows:
            table.add_row(Text(key), Text(text))
        with VerticalScroll(id="help-box"):
            yield Label(Text(i18n.t("tui.help.title")), id="help-title")
            yield Static(Text(i18n.t("tui.help.intro")), id="help-intro")
            yield Static(table, id="help-keys")
            yield Static(Text(i18n.t("tui.help.footer", path=_shown(keymap_path()))), id="help-footer")

    def action_close(self) -> None:
        self.dismiss(None)
