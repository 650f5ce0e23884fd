"""Instructor pay: each class taught, paid by the instructor's rule, summed into a monthly statement.

Pure: it reads one row per class (heads and revenue already summed) and the rule, so each
sum is tested by hand. Heads are the spots checked in or completed; revenue is what the
class's clients paid less what was given back.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Rule:
    basis: str  # payments.pay_rules.PayBasis
    amount: Decimal = ZERO
    share_percent: Decimal = ZERO


@dataclass(frozen=True)
class ClassTaught:
    instructor_id: int
    starts_at: datetime  # local
    title: str
    heads: int
    revenue: Decimal


def pay_for(rule: Rule, taught: ClassTaught) -> Decimal:
    if rule.basis == "per_head":
        return (rule.amount * taught.heads).quantize(CENT)
    if rule.basis == "share":
        return (taught.revenue * rule.share_percent / 100).quantize(CENT, ROUND_HALF_UP)
    return rule.amount.quantize(CENT)


@dataclass
class Statement:
    instructor_id: int
    name: str
    rule: Rule | None  # None: no rule yet, so no pay worked out
    lines: list[tuple[ClassTaught, Decimal | None]] = field(default_factory=list)

    @property
    def classes(self) -> int:
        return len(self.lines)

    @property
    def heads(self) -> int:
        return sum(t.heads for t, _pay in self.lines)

    @property
    def revenue(self) -> Decimal:
        return sum((t.revenue for t, _pay in self.lines), ZERO)

    @property
    def pay(self) -> Decimal | None:
        return None if self.rule is None else sum((p or ZERO for _t, p in self.lines), ZERO)


def statements(taught: Iterable[ClassTaught], *, names: dict[int, str], rules: dict[int, Rule]) -> list[Statement]:
    """One statement per instructor who taught in the period, by name; their classes in time order."""
    found: dict[int, Statement] = {}
    for row in sorted(taught, key=lambda t: t.starts_at):
        rule = rules.get(row.instructor_id)
        statement = found.setdefault(row.instructor_id, Statement(row.instructor_id, names[row.instructor_id], rule))
        statement.lines.append((row, None if rule is None else pay_for(rule, row)))
    return sorted(found.values(), key=lambda s: s.name)
