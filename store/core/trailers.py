"""Commit messages: a line a person reads, then trailers a program reads."""
from __future__ import annotations

import re
from typing import Any

_TRAILER = re.compile(r"^([A-Z][A-Za-z-]*): (.*)$")


class Trailers:
    @staticmethod
    def message(title: str, trailers: dict[str, Any]) -> str:
        lines = []
        for key, value in trailers.items():
            for item in value if isinstance(value, list) else [value]:
                if item is None or item == "":
                    continue
                lines.append(f"{key}: {_one_line(str(item))}")
        return f"{_one_line(title)}\n\n" + "\n".join(lines) + "\n"

    @staticmethod
    def parse(message: str) -> dict[str, list[str]]:
        """Trailers of the last paragraph of a message; each key maps to all its values."""
        paragraphs = [p for p in message.strip().split("\n\n") if p.strip()]
        if len(paragraphs) < 2:
            return {}
        found: dict[str, list[str]] = {}
        for line in paragraphs[-1].splitlines():
            match = _TRAILER.match(line.strip())
            if not match:
                return {}
            found.setdefault(match.group(1), []).append(match.group(2))
        return found


def _one_line(text: str) -> str:
    # A newline in a title or trailer value would let user text forge trailers.
    return re.sub(r"[\r\n\x00-\x08\x0b-\x1f\x7f]+", " ", text).strip()
