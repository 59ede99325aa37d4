"""Key bindings in the reader's language, for screens and widgets alike.

Bindings are declared in `KEYS` with a catalogue key as description and translated per instance
(the language is chosen at start and may be switched while running); each has an `id`, so users can
remap keys with Textual's keymap."""
from __future__ import annotations

import asyncio
import time
from collections import deque
from dataclasses import replace
from typing import Iterable

from textual import events
from textual.binding import Binding, BindingsMap
from textual.dom import DOMNode
from textual.walk import walk_depth_first

from store.core import i18n


def translated(bindings: Iterable[Binding]) -> list[Binding]:
    return [replace(b, description=i18n.t(b.description) if b.description else "",
                    tooltip=i18n.t(b.tooltip) if b.tooltip else "",
                    group=replace(b.group, description=i18n.t(b.group.description)) if b.group else None)
            for b in bindings]


def install_keys(node: DOMNode) -> None:
    """Give a node its class bindings plus its `KEYS` (which win over a class binding of the
    same key), in the current language."""
    own = translated(getattr(type(node), "KEYS", ()))
    mine = BindingsMap(own).key_to_bindings
    inherited = [b for key, group in (node._merged_bindings or BindingsMap()).key_to_bindings.items()
                 if key not in mine for b in group]
    node._bindings = BindingsMap([*inherited, *own])


class KeysInOrder:
    """App mixin: keys are handled one at a time, in the order typed.

    Textual hands a key to the focused widget's queue and goes on to the next key at once, so in a
    burst (a fast typist over SSH, a paste) the key after Tab reached the field being left, and the
    keys after Enter on a picker field went to the form instead of the picker. Here the next key is
    held until everything the last one set off (focus moves, messages, a dialog opening) is done.
    A paste with tabs is typed as its pieces with a Tab between them, so it fills field after field.

    The wait is bounded in the app's own working time (CPU seconds), not by the clock: on a loaded
    server a dialog can take seconds of wall time to open, and a clock-bound wait then let keys go
    to a dialog not yet ready (or a picker's Enter to a list not yet filtered).

    Keys typed ahead also come before frames, as in a terminal editor: while keys wait their turn the
    screen is not painted, but once every PAINT_HOLD seconds. A burst across four fields of a form
    was painted 14 times, a third of its work; and once the first PAINT_HOLD was up, a burst that
    outlasted it (a long paste, or any burst on a loaded server) was painted after nearly every
    key again, each frame holding the keys after it. So is the work that only a reader needs
    (`after_typed_ahead`): the footer's keys, the lit field title."""

    PAINT_HOLD = 0.1     # seconds a burst may keep the screen from being painted
    SETTLE_LIMIT = 5.0   # CPU seconds of the app's own work; a screen that never goes quiet (an animation)
                         # must not stop typing
    POLL = 0.002         # seconds between looks once the first few show the app still at work

    def _keys_state(self) -> tuple[deque, list]:
        if "_held_keys" not in self.__dict__:
            self._held_keys: deque[events.Event] = deque()
            self._key_flight: list = [None, None]   # [the event being released, the settling task]
            self._after_keys: list = []             # run once the keys typed ahead are handled
            self._paint_hold: list = [None, None, None]   # [the batch of repaints, its timer, what was on view]
        return self._held_keys, self._key_flight

    def _after_typed_ahead(self, callback) -> bool:
        held, _flight = self._keys_state()
        if not held:
            return False
        self._after_keys.append(callback)
        return True

    async def on_event(self, event: events.Event) -> None:
        if not isinstance(event, (events.Key, events.Paste)) or event.is_forwarded:
            await super().on_event(event)
            return
        held, flight = self._keys_state()
        if flight[1] is not None and flight[0] is not event:
            held.append(event)   # a key is still at work: this one waits its turn
            self._hold_paint()
            return
        flight[0] = None
        if isinstance(event, events.Paste) and "\t" in event.text:
            first, *rest = self._paste_pieces(event.text)
            held.extendleft(reversed(rest))
            event = first
            if held:
                self._hold_paint()
        flight[1] = asyncio.get_running_loop().create_task(self._settle_then_next())
        await super().on_event(event)

    @staticmethod
    def _paste_pieces(text: str) -> list[events.Event]:
        pieces: list[events.Event] = []
        for n, part in enumerate(text.split("\t")):
            if n:
                pieces.append(events.Key("tab", "\t"))
            if part:
                pieces.append(events.Paste(part))
        return pieces

    async def _settle_then_next(self) -> None:
        held, flight = self._keys_state()
        start = time.process_time()
        await asyncio.sleep(0)
        looks = 0
        while True:
            if held and self._screen_holds(held[0]):
                self._release_paint()   # the screen waits for work of its own: show it as it comes
            elif not (self._busy() and time.process_time() - start < self.SETTLE_LIMIT):
                break
            looks += 1
            # A few quick looks catch the usual case at once; after that, looking must not take
            # the processor from the work being waited for (a search in a worker thread).
            await asyncio.sleep(0 if looks < 50 else self.POLL)
        if held:
            flight[0] = held.popleft()
            if self.post_message(flight[0]):
                return
        flight[0] = flight[1] = None
        after, self._after_keys = self._after_keys, []
        for callback in after:
            callback()
        self._release_paint()
        self._paint_hold[2] = None

    def _hold_paint(self) -> None:
        """Hold the screen's frames while keys typed ahead wait (PAINT_HOLD at most at a time)."""
        hold = self._paint_hold
        if hold[0] is not None or hold[2] is not None:   # (held already in this burst)
            return
        hold[0] = self.batch_update()
        hold[0].__enter__()
        hold[1] = self.set_timer(self.PAINT_HOLD, self._paint_so_far)
        hold[2] = self._on_view()

    def _paint_so_far(self) -> None:
        """PAINT_HOLD is up with keys still waiting: one frame of what they did so far, then the
        frames are held again for the keys left."""
        self._release_paint()
        self.call_after_refresh(self._hold_again)

    def _hold_again(self) -> None:
        held, _flight = self._keys_state()
        hold = self._paint_hold
        # (not once the burst is over, nor while the screen waits for work of its own)
        if held and hold[0] is None and hold[2] is not None and not self._screen_holds(held[0]):
            hold[2] = None
            self._hold_paint()

    def _on_view(self) -> tuple:
        try:
            return self.screen, self.size
        except Exception:   # closing, or between screens
            return None, None

    def _release_paint(self) -> None:
        hold = self._paint_hold
        if hold[0] is None:
            return
        batch, timer, hold[0], hold[1] = hold[0], hold[1], None, None
        timer.stop()
        batch.__exit__(None, None, None)
        screen, _size = self._on_view()
        if screen is None:
            return
        # What was marked for repainting is painted now: the screen looks for it when it next goes
        # idle, so it is woken (else the frame waited for its next message: a burst in one field
        # was painted with the check 0.4 s later). The frame of a layout made at once (a terminal
        # resized, a screen opened) was dropped instead: then the whole screen, as Textual's own
        # `delay_update` does after its hold.
        if hold[2] != (screen, _size):
            screen.refresh()
        screen.check_idle()

    def _screen_holds(self, event: events.Event) -> bool:
        """A screen may hold a key until it is ready for it (a picker's Down and Enter wait for the
        results of what was typed): its `holds_key(event)`. It is held for as long as the screen says
        so (the screen must answer in the end, and let Esc through)."""
        try:
            holds = getattr(self.screen, "holds_key", None)
            return bool(holds and holds(event))
        except Exception:
            return False

    def _busy(self) -> bool:
        """Does any part of the app still have messages to handle (or is handling one)?"""
        try:
            screen = self.screen
        except Exception:   # closing, or between screens: nothing to wait for
            return False
        # The focused widget and its ancestors first, where a key's work mostly is: a look that finds
        # work stops there; only the look that finds none walks the whole screen (bench_tui: the
        # looks were a tenth of a burst's work when each walked all of it).
        focused = screen.focused
        return any(_at_work(n) for n in (focused.ancestors_with_self if focused is not None else (self,))) \
            or any(_at_work(n) for n in walk_depth_first(screen))


def after_typed_ahead(app, callback) -> bool:
    """Run `callback` once every key typed ahead has been handled; False (and nothing kept) when no
    key is waiting, or the app does not keep keys in order. For work only a reader looking at the
    screen needs (the footer's keys, the lit title): done between the keys of a burst, it held
    each key after it, and what it showed was not painted anyway."""
    return isinstance(app, KeysInOrder) and app._after_typed_ahead(callback)


class StyledForFocusOnceTyped:
    """Widget mixin: the restyle of a widget gaining or losing the focus (its `:focus` rules)
    waits for the keys typed ahead. Each Tab of a burst restyled the field it left and the field
    it entered (1.5-2 ms each, with their component classes: a third of a Tab's work), though
    the fields a burst passes through are not painted in between. Once the keys are handled, a
    widget whose styles were worked out for another focus than it has then is restyled, once."""

    _focus_restyle_waits = False
    _styled_with_focus: bool | None = None   # the focus its styles were last worked out with

    def watch_has_focus(self, has_focus: bool) -> None:
        if not self._focus_restyle_waits:
            self._focus_restyle_waits = after_typed_ahead(self.app, self._restyle_for_focus)
            if not self._focus_restyle_waits:
                super().watch_has_focus(has_focus)

    def _restyle_for_focus(self) -> None:
        self._focus_restyle_waits = False
        if self.is_attached and self.has_focus != self._styled_with_focus:
            self.update_node_styles()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styled_with_focus = self.has_focus


def _at_work(pump) -> bool:
    # (Textual 8's message queue, pinned: a pump at rest waits on its queue's ready event.)
    queue = pump._message_queue
    return bool(queue.values) or (pump.is_running and not queue.ready_event._waiters)


# Textual's own widgets name their keys in English; the footer shows these (the rest are hidden).
TEXTUAL_KEYS = (("textual.widgets._select", "SelectOverlay", "escape", "tui.textual.dismiss_menu"),
                ("textual.command", "CommandPalette", "escape", "tui.textual.close_palette"))


def translate_textual_keys() -> None:
    """Put the catalogue's words on Textual's own key bindings (for the widgets made from now on:
    at start and when the language is switched)."""
    import importlib

    for module, name, key, message in TEXTUAL_KEYS:
        bindings = getattr(importlib.import_module(module), name)._merged_bindings
        if bindings is not None and key in bindings.key_to_bindings:
            bindings.key_to_bindings[key] = [replace(b, description=i18n.t(message))
                                             for b in bindings.key_to_bindings[key]]
