"""Resources inside a patient's compartment that the patient may not see yet, e.g. a lab result held
until a doctor has gone over it with them (decision 0024). Capabilities register a hold; the access
policy, search and $everything apply every hold to patient-context actors (the app, SMART apps), so
no path to the record shows what the facility holds back."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import connection

# A hold gives, for the moment it is asked, (resource type, a subquery selecting the held ids as one
# column named `id`, its params).
Hold = Callable[[], list[tuple[str, str, list[Any]]]]

_holds: list[Hold] = []


def register(hold: Hold) -> None:
    if hold not in _holds:
        _holds.append(hold)


def held_sql(alias: str) -> tuple[str, list[Any]]:
    """A condition on `alias` (a resource row with resource_type, resource_id) excluding held resources;
    ("", []) when nothing registers a hold."""
    parts: list[str] = []
    params: list[Any] = []
    for hold in _holds:
        for rtype, subquery, sub_params in hold():
            parts.append(f"NOT ({alias}.resource_type = %s AND {alias}.resource_id IN ({subquery}))")
            params += [rtype, *sub_params]
    return " AND ".join(parts), params


def is_held(resource_type: str, resource_id: str) -> bool:
    for hold in _holds:
        for rtype, subquery, sub_params in hold():
            if rtype != resource_type:
                continue
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT 1 FROM ({subquery}) held WHERE held.id = %s",  # noqa: S608
                               [*sub_params, resource_id])
                if cursor.fetchone() is not None:
                    return True
    return False
