"""Spreadsheets and files in and out: exports with Chinese headers and masked identifiers (export),
imports that check every row and commit once or not at all (importer, sheets), the term report in
Markdown, HTML and xlsx (report), and a record edited as JSON in $EDITOR (editor).

It may import every layer below it; only store.demo stands above it."""
