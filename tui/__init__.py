"""The dashboard: a Textual app over the store, for coordinators and auditors.

Layers, top to bottom (import-linter contracts in pyproject.toml): app → screens → modals (dialogs) →
widgets → the small shared modules (commands: palette providers; workers: background work and the one
place that reports its errors; keys: bindings in the reader's language; context: what screens may ask
of the app) → columns (how records are shown in lists). It never runs git or any process itself: it
calls store/."""
