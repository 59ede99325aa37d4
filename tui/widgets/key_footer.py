"""The footer of every screen: Textual's, without the command palette's key in a narrow terminal,
and without the keys that do not fit whole.

Docked at the right end, the palette's key covered the last keys of a full footer at 80 columns
(Ctrl+P still opens the palette, and the help screen says so). Keys past the right edge were cut
in the middle of their words ("? h"); they are left out instead, and the help lists every key."""
from __future__ import annotations

from textual import events
from textual.widgets import Footer
from textual.widgets._footer import FooterLabel, KeyGroup

from ..keys import after_typed_ahead

WIDE = 100   # columns from which the palette's key has room beside the others


class KeyFooter(Footer):
    def on_resize(self, event: events.Resize) -> None:
        self.show_command_palette = event.size.width >= WIDE
        for child in self.children:
            child.display = True
        self.call_after_refresh(self._fit)

    _queued = False   # a rebuild is on its way: the bindings it shows are read when it runs

    def bindings_changed(self, screen) -> None:
        """One rebuild for a burst of changes to the bindings. Textual's footer rebuilds itself once
        for each (a focus moved, a screen's bindings refreshed): after the dashboard's first paint
        five rebuilds came in a row, 40 ms each, under load 150 to 500 ms of frames held."""
        self._bindings_ready = True
        if not screen.app.app_focus or self._queued:
            return
        if self.is_attached and screen is self.screen:
            self._queued = self.call_after_refresh(self._rebuild)   # (False: the footer is closing)

    _built: tuple | None = None   # the keys as last composed

    async def _rebuild(self) -> None:
        # Keys typed ahead come first: Tab to the participants' list and on to 课时 changed the keys
        # shown twice, and each rebuild (a layout and a whole repaint) held the keys after it.
        # Built once they are handled, the footer is often built the same as before, so not at all.
        if after_typed_ahead(self.app, lambda: self.call_later(self._rebuild)):
            return
        self._queued = False
        if self.is_attached and self._shown_keys() != self._built:   # (Tab from field to field: the same keys)
            await self.recompose()

    def _shown_keys(self) -> tuple:
        """What `compose` shows: each shown binding as the footer draws it, and the palette's key."""
        app, bindings = self.app, self.screen.active_bindings
        return (self.show_command_palette, app.ENABLE_COMMAND_PALETTE, app.COMMAND_PALETTE_BINDING in bindings,
                *((b.key, app.get_key_display(b), b.description, b.action, b.group, enabled, tooltip)
                  for key, (_node, b, enabled, tooltip) in bindings.items()
                  if b.show or key == app.COMMAND_PALETTE_BINDING))

    async def recompose(self) -> None:
        self._built = self._shown_keys() if self._bindings_ready and self.is_attached else None
        await super().recompose()
        self.call_after_refresh(self._fit)

    def _fit(self) -> None:
        right = self.content_region.right
        children = list(self.children)
        for n, child in enumerate(children):
            if child.display and child.region.right > right:
                for later in children[n:]:
                    later.display = False
                if isinstance(child, FooterLabel) and n and isinstance(children[n - 1], KeyGroup):
                    children[n - 1].display = False   # (a group's keys without their word say nothing)
                return
