"""The figures of a term the dashboard and the reports show: plan progress against targets, activities
by month, aid against the standards (dashboard), the chart data (charts), and the figures remembered
per tree id so the dashboard paints them before reading a record (overview).

It may import every layer below the history and sync layers: core, rules, ledger, privacy, aid, twinning."""
