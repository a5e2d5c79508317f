"""Registry of job kinds: each capability registers the function that runs its jobs.

A module registers a handler with `@job_handler("kind")`; workers import the modules listed in
HANDLER_MODULES on first use, so the worker process needs no other configuration.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .models import Job
    from .worker import JobContext

# Modules imported when a worker first looks a kind up; each registers its handlers.
HANDLER_MODULES = [
    "benhan.fhir.bulk.tasks",
    "benhan.exchange.tasks",
    "benhan.notifications.tasks",
    "benhan.documents.pending",
    "benhan.clinical.release",
]

Runner = Callable[["JobContext"], Any]
# Called once when a job ends for good without succeeding (failed, or cancelled), with the reason.
Finaliser = Callable[["Job", str], None]


@dataclass(frozen=True)
class JobKind:
    name: str
    run: Runner
    max_attempts: int = 5
    lease_seconds: float = 60.0
    on_failed: Finaliser | None = None
    on_cancelled: Finaliser | None = None


_kinds: dict[str, JobKind] = {}
_loaded = False


def job_handler(
    name: str,
    *,
    max_attempts: int = 5,
    lease_seconds: float = 60.0,
    on_failed: Finaliser | None = None,
    on_cancelled: Finaliser | None = None,
) -> Callable[[Runner], Runner]:
    def register(run: Runner) -> Runner:
        _kinds[name] = JobKind(name, run, max_attempts, lease_seconds, on_failed, on_cancelled)
        return run

    return register


def _load() -> None:
    global _loaded
    if not _loaded:
        for module in HANDLER_MODULES:
            import_module(module)
        _loaded = True


def get(name: str) -> JobKind | None:
    if name not in _kinds:
        _load()
    return _kinds.get(name)
