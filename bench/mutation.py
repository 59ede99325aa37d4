"""Mutation score of the modules whose mistakes an inspector would see, one module at a time.

Each module is mutated by mutmut (pinned in the `test` extra) in a scratch copy of the
working tree, and only the test files that speak for it are run against each mutant.
Prints killed/total per module and every surviving mutant (what `mutmut show` prints).
Not part of .ci/run: the whole run takes tens of minutes on two cores.

    .venv/bin/python bench/mutation.py                 # every module
    .venv/bin/python bench/mutation.py idcard merge    # some (names from MODULES)
    .venv/bin/python bench/mutation.py --jobs 2 --keep  # two mutants at a time; keep the scratch copies
    .venv/bin/python bench/mutation.py targets --sample 120   # a random sample (seeded) of its mutants

A sample's score is an estimate of the module's, printed with its 95 % interval: on two shared
cores a module of 700 mutants takes hours, a sample of a hundred well under one.

The score counts a mutant as caught when a test fails or the mutant runs past the time
limit (an endless loop an inspector would notice too); "no tests" mutants count as not caught.
"""
from __future__ import annotations

import argparse
import fnmatch
import json
import math
import random
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MUTMUT = Path(sys.executable).with_name("mutmut")


@dataclass(frozen=True)
class Module:
    path: str                    # the file mutated
    tests: tuple[str, ...]       # the test files run against its mutants (and pytest arguments)
    only: tuple[str, ...] = ()   # functions mutated (mutmut name globs); all when empty


def functions(module: str, *names: str) -> tuple[str, ...]:
    """mutmut's names for the mutants of these functions (Class.method for a method)."""
    out = []
    for name in names:
        cls, _, method = name.rpartition(".")
        out.append(f"{module}.xǁ{cls}ǁ{method}__mutmut_*" if cls else f"{module}.x_{name}__mutmut_*")
    return tuple(out)


MODULES = {
    "idcard": Module("store/rules/idcard.py", ("tests/test_world_idcard.py", "tests/test_rules.py",
                                               "tests/test_privacy_idcard.py", "tests/test_world_aid_rules.py")),
    "canonical": Module("store/core/canonical.py", ("tests/test_world_canonical.py",)),
    # the compare-and-swap: the ref swap, and the Ledger's write path around it
    "swap": Module("store/ledger/gitstore.py", ("tests/test_world_cas.py",),
                   functions("store.ledger.gitstore", "GitStore.swap_ref")),
    "write": Module("store/ledger/ledger.py",
                    ("tests/test_world_cas.py", "tests/test_world_commits.py", "tests/test_store.py", "tests/test_disk.py",
                     "tests/test_hub_guard.py::test_a_worktree_save_refuses_while_that_records_file_has_hand_edits_and_"
                     "loses_neither"),
                    functions("store.ledger.ledger", "Ledger.commit", "Ledger._attempts", "Ledger._write_commit")),
    "mask": Module("store/privacy/protect.py", ("tests/test_protect.py", "tests/test_world_masks.py"),
                   functions("store.privacy.protect", "_keep", "mask", "mask_name")),
    # what a merge keeps, record by record (the tree walk and the commit are the sync tests' part)
    "merge": Module("store/sync/merge.py", ("tests/test_merge.py", "tests/test_world_merge.py", "-k", "not two_sites"),
                    functions("store.sync.merge", "same", "merge_record", "_merge", "_merge_keyed", "_keyed",
                              "_child", "show_path", "path_to_json", "path_from_json")),
    # what a sync's merge commit keeps, ledger by ledger: the tree walk, and the rules of the merged ledger
    "tree_merge": Module("store/sync/merge.py", ("tests/test_world_tree_merge.py", "tests/test_merge_history.py"),
                         functions("store.sync.merge", "base_tree", "three_way", "_erased", "_parse", "_record_blobs",
                                   "Overlay.get", "Overlay.find", "check_records", "settle", "_back_to_mine",
                                   "_back_to")),
    # targets met (what counts, per month and term, open and future months, secondments that count)
    "targets": Module("store/twinning/targets.py",
                      ("tests/test_world_targets.py", "tests/test_world_target_units.py", "tests/test_twinning.py",
                       "tests/test_twinning_measured.py", "tests/test_dashboard.py",
                       # (it runs a copy of store/ in another process, where mutmut's trampoline finds no config)
                       "-k", "not remembered_by_older_code")),
    # school days and the months in session: what per-day standards and secondments are counted on
    "calendar": Module("store/rules/calendar.py",
                       ("tests/test_world_calendar.py", "tests/test_twinning.py", "tests/test_world_targets.py",
                        "tests/test_aid_duty.py")),
    # aid due and paid by term, as the dashboard and the report show it
    "dashboard": Module("store/figures/dashboard.py",
                        ("tests/test_dashboard.py", "tests/test_world_targets.py", "tests/test_world_target_units.py",
                         "tests/test_world_aid_figures.py", "tests/test_world_payments.py", "tests/test_twinning.py",
                         "tests/test_twinning_measured.py", "tests/test_aid_recognition.py",
                         "tests/test_world_secondment_terms.py",
                         # (it runs a copy of store/ in another process, where mutmut's trampoline finds no config)
                         "-k", "not remembered_by_older_code"),
                        functions("store.figures.dashboard", "months", "_within", "_elapsed", "active_plans",
                                  "plan_progress", "expected_fen", "aid_summary")),
    # 应助尽助: due and unpaid, paid but not eligible, paid twice, off standard, one person at two schools
    "duty": Module("store/aid/duty.py", ("tests/test_aid_duty.py", "tests/test_world_duty.py")),
    # the rules for students and payments (aid due and paid, the ID check, duplicates)
    "checks": Module("store/rules/checks.py", ("tests/test_rules.py", "tests/test_world_payments.py",
                                               "tests/test_world_rules.py", "tests/test_world_aid_rules.py",
                                               "tests/test_aid_recognition.py"),
                     functions("store.rules.checks", "_status_after", "_events_by_date", "student_status",
                               "is_eligible", "_student_id_number", "_student_events", "_aid_term",
                               "_aid_duplicate", "_aid_standard_match", "_aid_standard_valid", "_aid_amount",
                               "_aid_eligible")),
    # the rules for plans, units and activities (periods, parties and pairs, targets' units, secondments)
    "plans": Module("store/rules/checks.py", ("tests/test_rules.py", "tests/test_twinning.py",
                                              "tests/test_twinning_units.py", "tests/test_world_plan_rules.py"),
                    functions("store.rules.checks", "_plan_period", "_plan_roles", "_unique_keys", "_plan_budget",
                              "_plan_schedule", "_plan_targets", "_plan_pairs", "_unit_parent", "_visit_plan",
                              "_visit_dates", "_visit_host_is_visitor", "_visit_parties", "_visit_secondment",
                              "_visit_donation")),
    # the report for any period and level: which plans, activities, secondments and donations count
    "period": Module("store/figures/period.py", ("tests/test_period_report.py", "tests/test_twinning_district.py")),
    # people seconded by batch (people and 人次 apart) and a teacher's service across plans and years
    "people": Module("store/twinning/people.py", ("tests/test_world_people.py", "tests/test_period_report.py",
                                                   "tests/test_twinning_district.py",
                                                   "tests/test_twinning.py", "tests/test_world_targets.py")),
    # county, township, school: which plans and schools a report of a unit covers
    "units": Module("store/twinning/units.py", ("tests/test_world_units.py", "tests/test_twinning_units.py", "tests/test_period_report.py",
                                                 "tests/test_twinning_district.py", "tests/test_world_plan_rules.py")),
    # which schools and plans logged nothing in a month or term of session
    "completeness": Module("store/twinning/completeness.py", ("tests/test_world_completeness.py",
                                                               "tests/test_period_report.py",
                                                               "tests/test_twinning_district.py")),
    # payment batches: entitlements listed, reviewed, approved, paid with funding shares; edits after approval
    # 辍学率 by one rule (a school's measurement, else its students' dropouts over its headcount)
    "measured": Module("store/twinning/measured.py", ("tests/test_twinning_measured.py", "tests/test_twinning.py",
                                                      "tests/test_period_report.py")),
    # the term report's figures: targets short, aid by programme and source, what an inspector should look at
    "term_report": Module("store/io/report.py", ("tests/test_report.py", "tests/test_aid_duty.py"),
                          functions("store.io.report", "build", "_plan_section", "shortfall", "_aid_section",
                                    "_group", "_anomalies", "_not_due_detail", "duty_notes")),
    "batches": Module("store/aid/batches.py", ("tests/test_world_batch.py", "tests/test_aid_batch_cli.py")),
    # what a standard pays a student for a term: which one fits, its level, a year's halves, days × the
    # per-day amount, a cap; the school days of a term's calendar
    "standards": Module("store/rules/standards.py", ("tests/test_aid_duty.py", "tests/test_world_duty.py",
                                                     "tests/test_world_aid_rules.py", "tests/test_world_aid_figures.py",
                                                     "tests/test_world_batch.py", "tests/test_rules.py")),
    # the recognition steps: the notice's list and length, each step once and in order, where each one stands
    "recognition": Module("store/aid/recognition.py", ("tests/test_aid_recognition.py", "tests/test_aid_steps_cli.py",
                                                       "tests/test_world_aid_rules.py", "tests/test_aid_upgrade.py")),
    # what a recognition means for a status: approved, its lapse at the next school year, the steps' order
    "recognitions": Module("store/rules/recognitions.py", ("tests/test_aid_recognition.py", "tests/test_world_aid_rules.py",
                                                          "tests/test_aid_upgrade.py", "tests/test_world_duty.py")),
    # secondments against the school days of the year or term they must cover
    "secondments": Module("store/twinning/secondments.py", ("tests/test_world_secondment_terms.py",
                                                             "tests/test_twinning.py", "tests/test_world_targets.py",
                                                             "tests/test_world_people.py")),
    # (the notice tests on the demo ledger build it for every mutant: left to the full suite)
    "notice": Module("store/privacy/notice.py", ("tests/test_world_notice.py", "tests/test_privacy_notice.py",
                                                 "tests/test_aid_recognition.py", "tests/test_world_batch.py", "-k",
                                                 "not (rows_hold_only or written_notice_contains or notice_command)")),
}

CAUGHT = {1, 3, 24, -24, 36, 152, 255}      # mutmut's exit codes for killed and timeout
SURVIVED = {0}


def scratch_copy(target: Path) -> None:
    """The working tree as git sees it (tracked and new files), without the venv or caches."""
    listed = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=ROOT, check=True,
                            capture_output=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file() and not name.startswith(("mutants/", ".venv/")):
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)


def configure(target: Path, module: Module) -> None:
    settings = {
        "source_paths": ["store"],
        "only_mutate": [module.path],
        "also_copy": ["bangfu", "tui"],
        "pytest_add_cli_args": ["-p", "no:cacheprovider", "-q"],
        "pytest_add_cli_args_test_selection": list(module.tests),
    }
    lines = ["", "[tool.mutmut]"] + [f"{key} = {json.dumps(value)}" for key, value in settings.items()]
    with open(target / "pyproject.toml", "a", encoding="utf-8") as fh:
        fh.write("\n".join(lines) + "\n")


def survivors_shown(target: Path, names: list[str]) -> str:
    out = []
    for name in names:
        shown = subprocess.run([str(MUTMUT), "show", name], cwd=target, capture_output=True, text=True)
        out.append(f"--- {name}\n{shown.stdout.strip()}")
    return "\n".join(out)


def sampled(target: Path, module: Module, size: int, seed: int) -> list[str]:
    """Names of `size` mutants drawn at random from those mutmut makes of the module (it makes them,
    and maps tests to functions, on a run that matches no mutant)."""
    subprocess.run([str(MUTMUT), "run", "--max-children", "1", "no-such-mutant"], cwd=target, capture_output=True)
    meta = target / "mutants" / (module.path + ".meta")
    names = sorted(json.loads(meta.read_text(encoding="utf-8"))["exit_code_by_key"])
    if module.only:
        names = [n for n in names if any(fnmatch.fnmatch(n, g) for g in module.only)]
    return sorted(random.Random(seed).sample(names, min(size, len(names))))


def interval(killed: int, total: int) -> tuple[float, float]:
    """Wilson's 95 % interval for a score estimated from a sample."""
    if not total:
        return 0.0, 0.0
    z, p = 1.96, killed / total
    centre = (p + z * z / (2 * total)) / (1 + z * z / total)
    half = z * math.sqrt(p * (1 - p) / total + z * z / (4 * total * total)) / (1 + z * z / total)
    return max(0.0, centre - half), min(1.0, centre + half)


def score(name: str, module: Module, jobs: int, keep: bool, mutants: list[str] | None = None,
          sample: int = 0, seed: int = 2026) -> dict:
    target = Path(tempfile.mkdtemp(prefix=f"bangfu-mutation-{name}-"))
    try:
        scratch_copy(target)
        configure(target, module)
        started = time.monotonic()
        chosen = mutants or (sampled(target, module, sample, seed) if sample else list(module.only))
        run = subprocess.run([str(MUTMUT), "run", "--max-children", str(jobs), *chosen], cwd=target,
                             capture_output=True, text=True)
        seconds = time.monotonic() - started
        meta = target / "mutants" / (module.path + ".meta")
        if not meta.exists():
            tail = (run.stdout + run.stderr)[-2000:]
            return {"module": module.path, "error": f"mutmut did not run (exit {run.returncode}):\n{tail}"}
        codes = json.loads(meta.read_text(encoding="utf-8"))["exit_code_by_key"]
        if chosen:
            codes = {k: v for k, v in codes.items() if any(fnmatch.fnmatch(k, g) for g in chosen)}
        if codes and all(v is None for v in codes.values()):
            tail = (run.stdout + run.stderr)[-3000:]
            return {"module": module.path, "error": f"no mutant was tested (mutmut exit {run.returncode}):\n{tail}"}
        caught = sorted(k for k, v in codes.items() if v in CAUGHT)
        survived = sorted(k for k, v in codes.items() if v in SURVIVED)
        other = sorted(f"{k} (exit {v})" for k, v in codes.items() if v not in CAUGHT | SURVIVED)
        return {"module": module.path, "killed": len(caught), "total": len(codes), "survived": survived,
                "other": other, "seconds": round(seconds), "shown": survivors_shown(target, survived),
                "sample": bool(sample and not mutants)}
    finally:
        if keep:
            print(f"(scratch copy kept: {target})", file=sys.stderr)
        else:
            shutil.rmtree(target, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("modules", nargs="*", metavar="MODULE", help=f"some of: {', '.join(MODULES)} (default: all)")
    parser.add_argument("--jobs", type=int, default=1, help="mutants tested at once (default 1)")
    parser.add_argument("--keep", action="store_true", help="keep each scratch copy (for `mutmut browse`)")
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    parser.add_argument("--sample", type=int, default=0, metavar="N",
                        help="a random sample of N mutants per module (an estimate, with its 95 %% interval)")
    parser.add_argument("--seed", type=int, default=2026, help="the sample's seed (default 2026)")
    parser.add_argument("--mutants", nargs="+", help="only these mutants (mutmut names or globs), e.g. the survivors "
                                                     "of an earlier run after tests were added")
    args = parser.parse_args(argv)
    unknown = [m for m in args.modules if m not in MODULES]
    if unknown:
        parser.error(f"unknown module {', '.join(unknown)}; choose from {', '.join(MODULES)}")
    results = []
    for name in args.modules or list(MODULES):
        result = score(name, MODULES[name], args.jobs, args.keep, args.mutants, args.sample, args.seed)
        results.append(result)
        if "error" in result:
            print(f"{name:10} {result['module']}: {result['error']}", flush=True)
            continue
        pct = 100.0 * result["killed"] / result["total"] if result["total"] else 0.0
        low, high = interval(result["killed"], result["total"])
        estimate = f", a sample: 95 % interval {100 * low:.0f}-{100 * high:.0f} %" if result["sample"] else ""
        print(f"{name:10} {result['module']:28} killed {result['killed']}/{result['total']} ({pct:.1f} %{estimate})"
              f"  in {result['seconds']} s", flush=True)
        for line in result["other"]:
            print(f"    not tested: {line}")
        if result["shown"]:
            print("\n".join("    " + line for line in result["shown"].splitlines()), flush=True)
    if args.json:
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
    return 1 if any("error" in r for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
