"""Signed commits with the coordinator's SSH key, exactly as git signs them.

The store writes commit objects in-process, so git never gets the chance to sign
them: `sign_commit` does what `git commit -S` does with `gpg.format=ssh`: sign the
commit buffer with `ssh-keygen -Y sign -n git` and insert the armored signature as a
`gpgsig` header (continuation lines start with a space). `git verify-commit` and
`git log --format=%G?` then check it against `gpg.ssh.allowedSignersFile`.

Which keys may sign is kept in the ledger itself (the file `allowed_signers` in the
tree, in ssh's allowed-signers format), so it travels with every clone; a commit is
checked against the file as it stood before that commit, so adding a key needs a
signature by a key that was already allowed.
"""
from __future__ import annotations

import concurrent.futures
import os
import subprocess
import tempfile
from pathlib import Path

ALLOWED_SIGNERS = "allowed_signers"
NAMESPACE = "git"
TRUE = ("true", "yes", "on", "1")


class SigningFailed(RuntimeError):
    """ssh-keygen could not sign (no key, wrong passphrase, agent gone): nothing is committed."""

    def __init__(self, key: str, detail: str):
        super().__init__(f"ssh-keygen -Y sign -f {key}: {detail}")
        self.key = key
        self.detail = detail


def required(store) -> bool:
    """This copy signs every commit it writes (git config bangfu.requireSigned)."""
    return (store.config("bangfu.requireSigned") or "").lower() in TRUE


def key_of(store) -> str | None:
    """The signing key (user.signingKey): a private key file, or a public one whose key is in ssh-agent."""
    key = store.config("user.signingKey")
    return os.path.expanduser(key) if key else None


def sign(buffer: bytes, key: str) -> bytes:
    """The armored SSH signature of buffer (namespace git), as `git commit -S` makes it."""
    proc = subprocess.run(["ssh-keygen", "-q", "-Y", "sign", "-n", NAMESPACE, "-f", key],
                          input=buffer, capture_output=True,
                          env={**os.environ, "SSH_ASKPASS_REQUIRE": "never"})
    if proc.returncode != 0 or b"BEGIN SSH SIGNATURE" not in proc.stdout:
        raise SigningFailed(key, proc.stderr.decode(errors="replace").strip() or f"exit {proc.returncode}")
    return proc.stdout


def sign_commit(buffer: bytes, key: str) -> bytes:
    """The commit buffer with a `gpgsig` header holding its signature (git's sign_with_header)."""
    signature = sign(buffer, key)
    end = buffer.find(b"\n\n")
    at = len(buffer) if end < 0 else end + 1
    lines = signature.splitlines(keepends=True)
    header = b"gpgsig " + lines[0] + b"".join(b" " + line for line in lines[1:])
    if not header.endswith(b"\n"):
        header += b"\n"
    return buffer[:at] + header + buffer[at:]


def public_key(key: str) -> str:
    """'type base64' of a key file (the .pub beside a private key, or the key itself when public)."""
    path = Path(os.path.expanduser(key))
    for candidate in (path if path.suffix == ".pub" else path.with_name(path.name + ".pub"), path):
        try:
            text = candidate.read_text(encoding="utf-8").strip()
        except (FileNotFoundError, UnicodeDecodeError, IsADirectoryError):
            continue
        parts = text.split()
        if len(parts) >= 2 and parts[0].startswith(("ssh-", "ecdsa-", "sk-")):
            return f"{parts[0]} {parts[1]}"
    raise FileNotFoundError(str(path))


def signer_line(principal: str, pubkey: str) -> str:
    return f'{principal} namespaces="{NAMESPACE}" {pubkey}'


def parse_signers(data: bytes) -> list[tuple[str, str]]:
    """(principal, 'type base64') of each line of an allowed-signers file."""
    out = []
    for line in data.decode("utf-8", "replace").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        words = line.split()
        keys = [i for i, w in enumerate(words) if w.startswith(("ssh-", "ecdsa-", "sk-"))]
        if keys and keys[0] + 1 < len(words):
            out.append((words[0], f"{words[keys[0]]} {words[keys[0] + 1]}"))
    return out


def verify(store, commits: list[str], allowed: bytes) -> dict[str, tuple[str, str, str]]:
    """For each commit: (git's %G? letter, signer principal, key fingerprint), checked by git
    against the given allowed-signers file content. git starts one ssh-keygen per signed commit,
    so a long history is split over one `git log` per core."""
    if not commits:
        return {}
    with tempfile.NamedTemporaryFile("wb", prefix="bangfu-signers-", delete=False) as fh:
        fh.write(allowed)
    parts = max(1, min(os.cpu_count() or 1, len(commits) // 200))
    size = -(-len(commits) // parts)
    try:
        with concurrent.futures.ThreadPoolExecutor(parts) as pool:
            outs = list(pool.map(lambda chunk: _verified(store, chunk, fh.name),
                                 [commits[n:n + size] for n in range(0, len(commits), size)]))
    finally:
        os.unlink(fh.name)
    return {sha: found for out in outs for sha, found in out.items()}


def _verified(store, commits: list[str], signers: str) -> dict[str, tuple[str, str, str]]:
    out = store.run("-c", f"gpg.ssh.allowedSignersFile={signers}", "-c", "gpg.format=ssh",
                    "log", "--no-walk=unsorted", "--stdin", "--format=%H%x1f%G?%x1f%GS%x1f%GF%x1e",
                    input="".join(c + "\n" for c in commits).encode())
    result: dict[str, tuple[str, str, str]] = {}
    for item in out.decode("utf-8", "replace").split("\x1e"):
        item = item.strip("\n")
        if item:
            sha, letter, signer, fingerprint = (item.split("\x1f") + ["", "", ""])[:4]
            result[sha] = (letter, signer, fingerprint)
    return result
