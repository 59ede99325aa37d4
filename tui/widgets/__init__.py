"""One widget per file: the rows of a form (one per field kind), the record list and detail, the
figure lists of the home screen, the conflicts panel, the sync status and the key footer. Widgets never
push screens; they post messages that the screen or dialog around them handles."""
