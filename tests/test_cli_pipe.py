"""A broken pipe to `head` ends a command quietly (exit 0); it is the only failure that does."""
from __future__ import annotations

import subprocess
import sys


def test_a_long_listing_piped_to_head_stops_quietly(demo):
    proc = subprocess.run(["bash", "-c", 'set -o pipefail; "$@" | head -n 1', "-", sys.executable, "-m", "bangfu",
                           "--lang", "en", "-L", str(demo.path), "changes", "--since", "2000-01-01"],
                          capture_output=True, text=True)
    assert proc.returncode == 0 and len(proc.stdout.splitlines()) == 1
    assert "Traceback" not in proc.stderr and "unexpected" not in proc.stderr and "Broken pipe" not in proc.stderr
