"""A term's figures worked out in a process of its own and kept (store/ledger/memo.py), for a
dashboard that reads them back (store/figures/overview.py `term_figures`, store/ledger/ledger.py
`remembered`): all the memory of the working-out goes back to the system when this process ends.

    python -m store.figures.apart GITDIR TERM TODAY [--read-only]

Prints the commit the figures were worked out from once they are kept; where the ledger moved
while they were worked out they are not kept for a version, and the commit is followed by the
file they are handed over in (store/ledger/memo.py `hand_over`, for the asker to `take`). Exits 1
(the error in the crash log) when they could not be worked out, 2 when they could not be written.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import sys
from collections.abc import Iterator
from pathlib import Path

from store.core import crashlog
from store.figures import overview
from store.ledger import memo
from store.ledger.ledger import Ledger


def main(argv: list[str]) -> int:
    path, term, today = argv[:3]
    try:
        with Ledger(Path(path), read_only="--read-only" in argv[3:]) as ledger, \
                _one_at_a_time(ledger.cache_dir / "memo" / f".apart-{term}.lock"):
            # The ledger as it stands once the lock is ours: a wait of 20 s behind another's working-out
            # may have seen saves, and figures begun at the tip of the opening came out of a moving
            # ledger, handed over rather than kept, for the next asking to work out again (two
            # dashboards at 1M settled 40 s after the last save instead of 20 s).
            ledger.refresh()
            commit, day = ledger.tip, dt.date.fromisoformat(today)
            figures = overview.term_figures(ledger, term, day, apart=False)
            if overview.remembered(ledger, term, day, at=commit):
                print(commit, flush=True)
                return 0
            # The ledger moved while they were worked out (another coordinator saved): not kept for
            # a version, handed over as they are, as the dashboard answers figures it worked out itself.
            handed = memo.hand_over(ledger.cache_dir / "memo", figures)
            if handed is None:
                return 2
    except Exception as exc:   # (the dashboard works them out itself, and meets the same error there)
        crashlog.write(exc, "bangfu (the term's figures, worked out apart)")
        return 1
    print(commit, handed, flush=True)
    return 0


@contextlib.contextmanager
def _one_at_a_time(lock: Path) -> Iterator[None]:
    """Held while the figures of a term are worked out for this user: a second asking (a
    list opened from a figure follows it, a second dashboard) waits, then reads back what the
    first kept instead of walking every student beside it. Without a lock file (a folder that
    cannot be written) each works on its own."""
    try:
        lock.parent.mkdir(parents=True, exist_ok=True)
        fh = open(lock, "a")
    except OSError:
        yield
        return
    with fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        yield


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
