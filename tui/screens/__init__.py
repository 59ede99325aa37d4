"""Full screens: the home dashboard of a term, one section per record type, the auditor's view, a
record's history, help, and a simple chooser. They open dialogs (tui.modals) and hold widgets."""
