"""The collector is relaxed while Bundles or imports run, and restored when the last of them ends."""

from __future__ import annotations

import gc
from pathlib import Path

from benhan.fhir.access import Actor
from benhan.fhir.collector import fewer_collections
from benhan.fhir.importer import Importer
from benhan.fhir.repository import Repository


def test_overlapping_users_relax_the_collector_until_the_last_of_them_ends() -> None:
    threshold = gc.get_threshold()
    first, second = fewer_collections(), fewer_collections()
    first.__enter__()
    relaxed = gc.get_threshold()
    assert relaxed[0] >= 50_000 and gc.get_freeze_count() > 0
    second.__enter__()
    first.__exit__(None, None, None)  # the first request ends while the second still runs
    assert gc.get_threshold() == relaxed
    second.__exit__(None, None, None)
    assert gc.get_threshold() == threshold and gc.get_freeze_count() == 0


def test_an_import_restores_the_collector_even_when_a_file_is_refused(db: None, tmp_path: Path) -> None:
    threshold, frozen = gc.get_threshold(), gc.get_freeze_count()
    (tmp_path / "bad.json").write_bytes(b'{"resourceType": "Bundle", "type": "history", "entry": []}')
    report = Importer(Repository(Actor.system("tests"), "00001")).run([tmp_path / "bad.json"])
    assert report.failed_chunks == 1
    assert (gc.get_threshold(), gc.get_freeze_count()) == (threshold, frozen)
