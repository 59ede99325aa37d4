"""Dialogs that return a result: the record form and its item form (ModalScreen[Result]), the reference
picker, delete with a reason, reveal, export, import preview, save conflicts and sync conflicts. They
are built from tui.widgets; a widget that needs a dialog asks the form around it with a message."""
