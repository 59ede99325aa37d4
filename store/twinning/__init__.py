"""School twinning as inspectors count it: what counts toward a plan's targets, on which months
and school days, secondments by school year, measured targets, inspections and the locks they set.

- `targets`: a target's activities (its kinds, or a direction: any activity of a supporting
  school at a supported one), its unit (课时 次 人次 场 人 天 周), its period (月 学期 学年 全程)
  counted on the school calendar's months in session inside the plan period; the current month
  is open, months to come are blank.
- `secondments`: 支教 and 挂职 held against the school year or term they must cover, counted in
  every period where they have school days.
- `measured`: targets that activities cannot count (rates, 套, 台 ...) read from measurement records.
- `locks`: an inspected plan and a closed term refuse changes without an adjustment record, in the
  ledger (a guard registered in store/ledger/hooks.py) and at the hub (store/sync/hub.py calls
  `locks.refused`); `inspect` writes an inspection (adjustments: store/ledger/adjustments.py).

The school calendar itself is in store/rules/calendar.py, because the rules that check a
secondment on save read it too.

Above the privacy layer, below the figures that show it (store.figures): it may import
store.core, store.rules, store.ledger and store.privacy. The figures are pure functions of records
and of a `today` the caller passes.
"""
