"""`benhan demo`: a demo province loaded in steps, each idempotent (running twice adds nothing).

Other capabilities add their own steps, e.g. from their AppConfig.ready():

    from benhan.facilities.demo import register_step
    register_step("inpatient-stay", load_inpatient_stay, after="patients")

A step gets the DemoContext: the facilities, staff and patients created so far, a seeded random
generator (same data every run) and `out` for progress lines.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from benhan.accounts.models import Facility, User

DEMO_PASSWORD = "benhan-demo-2025"
SEED = 2025


@dataclass(frozen=True)
class DemoPatient:
    id: str
    facility: str
    name: str
    gender: str
    birth_date: str
    cccd: str
    bhyt: str


@dataclass
class DemoContext:
    out: Callable[[str], None]
    rng: random.Random
    patient_count: int = 200
    password: str = DEMO_PASSWORD
    facilities: dict[str, Facility] = field(default_factory=dict)
    staff: list[User] = field(default_factory=list)
    patients: list[DemoPatient] = field(default_factory=list)
    created: dict[str, int] = field(default_factory=dict)

    def count(self, what: str, n: int = 1) -> None:
        self.created[what] = self.created.get(what, 0) + n


Step = Callable[[DemoContext], None]
STEPS: list[tuple[str, Step]] = []


def register_step(name: str, step: Step, *, after: str | None = None) -> None:
    """Add (or replace) a named step; `after` places it behind an existing step, else at the end."""
    for i, (existing, _) in enumerate(STEPS):
        if existing == name:
            STEPS[i] = (name, step)
            return
    if after is not None:
        for i, (existing, _) in enumerate(STEPS):
            if existing == after:
                STEPS.insert(i + 1, (name, step))
                return
    STEPS.append((name, step))


def run(out: Callable[[str], None] = print, *, patients: int = 200, seed: int = SEED) -> DemoContext:
    from django.db import transaction

    context = DemoContext(out, random.Random(seed), patients)
    for name, step in list(STEPS):
        started = time.monotonic()
        # One transaction per step: thousands of small commits would each wait for the disk.
        with transaction.atomic():
            step(context)
        out(f"· {name} ({time.monotonic() - started:.1f} s)")
    return context


# The built-in steps register on import, so register_step(after="patients") finds them from anywhere.
from . import steps as _steps  # noqa: E402, F401
