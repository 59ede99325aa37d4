"""`bangfu` run on a real terminal (a pseudo-terminal of a given width), as a coordinator logged in
over SSH runs it: what it printed there, and what it said on stderr."""
from __future__ import annotations

import fcntl
import os
import pty
import struct
import subprocess
import sys
import termios
from types import SimpleNamespace


def on_terminal(*args: str, columns: int = 80) -> SimpleNamespace:
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, columns, 0, 0))
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}   # the terminal's own width
    proc = subprocess.Popen([sys.executable, "-m", "bangfu", *args], stdout=slave, stderr=subprocess.PIPE, env=env)
    os.close(slave)
    shown = []
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:      # (Linux: the other end closed)
            break
        if not chunk:
            break
        shown.append(chunk)
    said = proc.stderr.read()
    proc.wait()
    os.close(master)
    return SimpleNamespace(returncode=proc.returncode, stdout=b"".join(shown).decode("utf-8").replace("\r\n", "\n"),
                           stderr=said.decode("utf-8"))
