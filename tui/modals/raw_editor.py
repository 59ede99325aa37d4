"""The form's raw-JSON editing: the same loop as `bangfu edit` (the UI never starts processes itself)."""
from bangfu.editor import Edited, edit_json

__all__ = ["Edited", "edit_json"]
