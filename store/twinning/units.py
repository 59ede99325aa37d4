"""Organisation units: county → township → school, and what rolls up along them.

A school names its unit (a township, or the county for a school the county runs itself); a
township names its county. A unit's schools are the schools under it at any depth; its plans the
plans with a party among them; its students the students of those schools. A school without a
unit is under no unit: reports list it apart instead of guessing from its address text.

Who helps whom in a plan: its pairs (三元中学 helped by 城关中学 on 师资 and 教学), or, for a plan of
one supporting and one supported school, that pair on the supporter's dimensions.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

LEVELS = ("县", "乡镇", "学校")


@dataclass(frozen=True)
class Pair:
    supporter: str
    supported: str
    dimensions: tuple[str, ...]


def pairs(plan: dict) -> list[Pair]:
    """Who helps whom on which dimensions in a plan."""
    if plan.get("pairs"):
        return [Pair(p.get("from", ""), p.get("to", ""), tuple(p.get("dimensions") or [])) for p in plan["pairs"]]
    parties = plan.get("parties") or []
    supporters = [p for p in parties if p.get("role") == "帮扶"]
    supported = [p for p in parties if p.get("role") == "受帮扶"]
    return [Pair(a.get("school", ""), b.get("school", ""), tuple(a.get("dimensions") or b.get("dimensions") or []))
            for a in supporters for b in supported]


class Tree:
    """The units and schools of a ledger as a tree."""

    def __init__(self, units: Iterable[dict], schools: Iterable[dict]):
        self.units = {u["id"]: u for u in units}
        self.schools = {s["id"]: s for s in schools}
        self.children: dict[str, list[str]] = {}
        for u in self.units.values():
            if u.get("parent") in self.units:
                self.children.setdefault(u["parent"], []).append(u["id"])
        self.direct: dict[str, list[str]] = {}
        for s in self.schools.values():
            if s.get("unit") in self.units:
                self.direct.setdefault(s["unit"], []).append(s["id"])

    def level(self, rid: str) -> str:
        if rid in self.schools:
            return "学校"
        return (self.units.get(rid) or {}).get("level", "")

    def name(self, rid: str) -> str:
        doc = self.units.get(rid) or self.schools.get(rid) or {}
        return doc.get("name") or rid

    def counties(self) -> list[str]:
        return sorted((u for u, d in self.units.items() if d.get("level") == "县"), key=self.name)

    def townships(self, county: str | None = None) -> list[str]:
        found = [u for u, d in self.units.items() if d.get("level") == "乡镇" and (county is None or d.get("parent") == county)]
        return sorted(found, key=self.name)

    def schools_under(self, rid: str) -> set[str]:
        """Every school under a unit (or the school itself)."""
        if rid in self.schools:
            return {rid}
        out, todo, seen = set(), [rid], set()
        while todo:
            unit = todo.pop()
            if unit in seen:       # a loop typed by hand must not hang a report
                continue
            seen.add(unit)
            out.update(self.direct.get(unit, []))
            todo.extend(self.children.get(unit, []))
        return out

    def chain(self, school: str) -> list[str]:
        """The units above a school, nearest first (township, county)."""
        out: list[str] = []
        unit = (self.schools.get(school) or {}).get("unit")
        while unit in self.units and unit not in out:
            out.append(unit)
            unit = self.units[unit].get("parent")
        return out

    def unplaced(self) -> list[str]:
        """Schools under no unit."""
        return sorted((s for s, d in self.schools.items() if d.get("unit") not in self.units), key=self.name)


def plan_schools(plan: dict) -> set[str]:
    return {p.get("school") for p in plan.get("parties") or [] if p.get("school")}


def plans_within(plans: Iterable[dict], schools: set[str]) -> list[dict]:
    """Plans with a party among the schools."""
    return [p for p in plans if plan_schools(p) & schools]
