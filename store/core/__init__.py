"""The vocabulary every other layer speaks: record ids and their paths, the canonical form of a record
file, money in fen, text shown safely, commit trailers, errors and findings, the message catalogue
(messages/*.toml, Chinese and English) and field-by-field differences.

The bottom layer: it imports nothing of Bangfu's and nothing of git."""
