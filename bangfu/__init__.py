"""The command line (`bangfu`): one cmd_*.py module per group of commands, over store/ and, for the
dashboard, tui/. The top of the code: nothing imports it."""
