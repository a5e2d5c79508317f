"""Fewer cyclic garbage collections while a large body of FHIR JSON is processed.

A transaction Bundle or an imported file allocates some hundred thousand dicts and lists (the parsed
body, validation, index rows); at the default thresholds that sets off full collections which walk
every live object, Django and the definition tables included: measured on the Synthea bundles, a
third of the importer's parsing and validation CPU (0025) and a tenth of a transaction's (0028).
Objects alive on entry are frozen out of collections and the first-generation threshold raised.
This is process state and a server runs several requests per process at once, so the first user in
sets it and the last one out restores it. Nothing is left uncollected: objects made meanwhile are
collected as usual (less often), the frozen ones again once the last user ends; only when memory
held by garbage cycles is freed changes. The data processed here holds no reference cycles.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_users = 0
_threshold: tuple[int, int, int] = (0, 0, 0)


@contextmanager
def fewer_collections() -> Iterator[None]:
    global _users, _threshold
    with _lock:
        if _users == 0:
            _threshold = gc.get_threshold()
            gc.freeze()
            gc.set_threshold(max(_threshold[0], 50_000), *_threshold[1:])
        _users += 1
    try:
        yield
    finally:
        with _lock:
            _users -= 1
            if _users == 0:
                gc.set_threshold(*_threshold)
                gc.unfreeze()
