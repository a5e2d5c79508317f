"""The built-in demo steps, in order. Imported by `run()`; other apps add theirs with register_step()."""

from __future__ import annotations

from benhan.vn.starter import load_starter_catalogs

from . import DemoContext, register_step
from .clinical import load_directory, load_patients
from .province import load_facilities, load_staff


def load_catalogs(ctx: DemoContext) -> None:
    for kind, result in load_starter_catalogs().items():
        ctx.out(f"  {kind}: {len(result.accepted)}")


register_step("catalogs", load_catalogs)
register_step("facilities", load_facilities, after="catalogs")
register_step("staff", load_staff, after="facilities")
register_step("directory", load_directory, after="staff")
register_step("patients", load_patients, after="directory")
