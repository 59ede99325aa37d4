"""Errors of the privacy layer, shared by the sealing (protect) and the key file (keystore).

Their parameters never hold a clear value: only record ids, field paths and key ids. Messages are
in store/core/messages/privacy.toml."""
from __future__ import annotations

from store.core import i18n
from store.core.errors import BangfuError


class PrivacyError(BangfuError):
    message_key = "privacy.error"

    def __init__(self, **params: object):
        self.params = params
        self.key = self.message_key
        Exception.__init__(self, self.message_key)

    def __str__(self) -> str:
        return i18n.t(self.message_key, **self.params)

    def __reduce__(self):  # picklable across processes despite keyword-only construction
        return _rebuild, (type(self), self.message_key, self.params)


def _rebuild(cls: type[PrivacyError], message_key: str, params: dict) -> PrivacyError:
    err = cls.__new__(cls)
    Exception.__init__(err, message_key)
    err.message_key, err.key, err.params = message_key, message_key, params
    return err


class KeyMissing(PrivacyError):
    """No key store, or it holds no key for this record / key generation."""
    message_key = "privacy.key_missing"


class DataKeyMissing(KeyMissing):
    message_key = "privacy.data_key_missing"


class KeyGenerationMissing(KeyMissing):
    message_key = "privacy.key_generation_missing"


class KeyFileNotFound(KeyMissing):
    message_key = "privacy.key_file_not_found"


class Erased(PrivacyError):
    message_key = "privacy.erased"


class SealBroken(PrivacyError):
    """Tampered with, copied from another record or field, or sealed under another key."""
    message_key = "privacy.seal_broken"


class KeyFileUnsafe(PrivacyError):
    message_key = "privacy.key_file_unsafe"


class KeyFileExists(PrivacyError):
    message_key = "privacy.key_file_exists"


class KeyFileCorrupt(PrivacyError):
    message_key = "privacy.key_file_corrupt"


class KeyInRepository(PrivacyError):
    message_key = "privacy.key_in_repository"


class KeyMismatch(PrivacyError):
    message_key = "privacy.key_mismatch"


class LedgerIdInvalid(PrivacyError):
    message_key = "privacy.ledger_id_invalid"


class PassphraseWeak(PrivacyError):
    message_key = "privacy.passphrase_weak"


class PassphraseWrong(PrivacyError):
    message_key = "privacy.passphrase_wrong"


class ExportCorrupt(PrivacyError):
    message_key = "privacy.export_corrupt"


class RotationPending(PrivacyError):
    message_key = "privacy.rotation_pending"


class NotProtected(PrivacyError):
    message_key = "privacy.not_protected"


class NothingStored(PrivacyError):
    message_key = "privacy.nothing_stored"


class RecordIdMissing(PrivacyError):
    message_key = "privacy.record_id_missing"


class IdentifierInvalid(PrivacyError):
    """A resident ID number that fails GB 11643: must be caught before sealing hides it."""

    def __init__(self, problem: str, **params: object):
        # idcard.problem() gives 'idcard.shape' etc.; our own texts, so this file is self-contained.
        self.message_key = "privacy.id_" + problem.rsplit(".", 1)[-1]
        super().__init__(**params)


# ---- refused acts: reveal, erasure, key set-up and rotation ----------------------------------

class RevealReadOnly(PrivacyError):
    message_key = "privacy.reveal_read_only"


class RevealNoKey(PrivacyError):
    message_key = "privacy.reveal_no_key"


class FieldEmpty(PrivacyError):
    message_key = "privacy.field_empty"


class ReasonHasIdentifier(PrivacyError):
    message_key = "privacy.reason_has_identifier"


class KeyInitWouldOrphan(PrivacyError):
    message_key = "privacy.key_init_orphan"


class RotationUnfinished(PrivacyError):
    message_key = "privacy.rotation_unfinished"


class KeyFileOtherLedger(KeyMissing):
    """The key file at this ledger's place was made for another ledger (copied under its name)."""
    message_key = "privacy.key_file_other_ledger"


class EraseNoKey(PrivacyError):
    message_key = "privacy.erase_no_key"


class NotErasable(PrivacyError):
    message_key = "privacy.not_erasable"


class KeyFileNotWritable(PrivacyError):
    message_key = "privacy.key_file_not_writable"
