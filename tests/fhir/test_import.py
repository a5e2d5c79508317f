"""`benhan import`: Bundles and NDJSON through the bulk write path, resumable, each resource once."""

from __future__ import annotations

import re
from io import StringIO
from pathlib import Path
from typing import Any

import orjson
import pytest
from django.core.management import CommandError, call_command

from benhan.core.models import ImportCheckpoint
from benhan.fhir import importer
from benhan.fhir.errors import FhirError
from benhan.fhir.importer import Importer
from benhan.fhir.models import AuditRow, ResourceRow
from benhan.fhir.repository import Repository
from tests.core import live
from tests.core.live import live_db_fixture, migrated_template_fixture  # noqa: F401 - fixtures
from tests.shared_data import SYNTHEA

PATIENT_URN = "urn:uuid:11111111-2222-4333-8444-555555555555"


def _transaction(*extra: dict[str, Any]) -> dict[str, Any]:
    return {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {"fullUrl": PATIENT_URN, "resource": {"resourceType": "Patient", "gender": "male"},
             "request": {"method": "POST", "url": "Patient"}},
            {"fullUrl": "urn:uuid:aaaaaaaa-2222-4333-8444-555555555555",
             "resource": {"resourceType": "Observation", "status": "final", "code": {"text": "nhịp tim"},
                          "subject": {"reference": PATIENT_URN}},
             "request": {"method": "POST", "url": "Observation"}},
            *extra,
        ],
    }


def _write(path: Path, doc: Any) -> Path:
    path.write_bytes(orjson.dumps(doc))
    return path


def _ndjson(path: Path, resources: list[dict[str, Any]]) -> Path:
    path.write_bytes(b"\n".join(orjson.dumps(r) for r in resources) + b"\n")
    return path


def test_a_transaction_bundle_is_stored_with_local_references_rewritten_to_assigned_ids(
    repo: Repository, tmp_path: Path
) -> None:
    report = Importer(repo).run([_write(tmp_path / "b.json", _transaction())])
    assert report.resources == 2 and not report.problems
    patient = ResourceRow.objects.get(resource_type="Patient")
    observation = repo.read("Observation", ResourceRow.objects.get(resource_type="Observation").resource_id)
    assert observation.json()["subject"]["reference"] == f"Patient/{patient.resource_id}"
    assert patient.tenant == "00001"
    assert AuditRow.objects.filter(interaction="create", actor_kind="system").count() == 2


def test_importing_the_same_file_again_adds_nothing(repo: Repository, tmp_path: Path) -> None:
    path = _write(tmp_path / "b.json", _transaction())
    Importer(repo).run([path])
    again = Importer(repo).run([path])
    assert again.resources == 0 and again.skipped_resources == 2
    assert ResourceRow.objects.count() == 2


def test_ndjson_keeps_the_ids_it_carries_and_commits_in_chunks(repo: Repository, tmp_path: Path) -> None:
    lines = [{"resourceType": "Patient", "id": f"p{i}", "gender": "female"} for i in range(5)]
    Importer(repo, chunk_lines=2).run([_ndjson(tmp_path / "Patient.ndjson", lines)])
    assert sorted(ResourceRow.objects.values_list("resource_id", flat=True)) == [f"p{i}" for i in range(5)]
    assert sorted(ImportCheckpoint.objects.values_list("offset", flat=True)) == [0, 2, 4]


def test_an_import_interrupted_after_some_chunks_completes_on_rerun_with_each_resource_once(
    repo: Repository, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = [{"resourceType": "Patient", "gender": "other", "name": [{"family": f"N{i}"}]} for i in range(7)]
    path = _ndjson(tmp_path / "Patient.ndjson", lines)
    real_store = Importer._store
    calls = {"n": 0}

    def crash_on_third_chunk(self: Importer, *args: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt  # as if the process died here
        real_store(self, *args)

    monkeypatch.setattr(Importer, "_store", crash_on_third_chunk)
    with pytest.raises(KeyboardInterrupt):
        Importer(repo, chunk_lines=2).run([path])
    assert ResourceRow.objects.count() == 4
    monkeypatch.setattr(Importer, "_store", real_store)
    report = Importer(repo, chunk_lines=2).run([path])
    assert report.resources == 3 and report.skipped_resources == 4
    families = sorted(orjson.loads(c)["name"][0]["family"] for c in ResourceRow.objects.values_list("content", flat=True))
    assert families == [f"N{i}" for i in range(7)]


def test_one_invalid_entry_refuses_a_whole_transaction(repo: Repository, tmp_path: Path) -> None:
    bad = {"resource": {"resourceType": ""}, "request": {"method": "POST", "url": "Patient"}}
    report = Importer(repo).run([_write(tmp_path / "b.json", _transaction(bad))])
    assert report.failed_chunks == 1 and report.resources == 0
    assert ResourceRow.objects.count() == 0
    assert not ImportCheckpoint.objects.exists()


def test_an_invalid_ndjson_line_is_skipped_and_reported_the_rest_stored(repo: Repository, tmp_path: Path) -> None:
    lines = [{"resourceType": "Patient", "id": "ok1"}, {"id": "no-type"}, {"resourceType": "Patient", "id": "ok2"}]
    report = Importer(repo).run([_ndjson(tmp_path / "x.ndjson", lines)])
    assert report.resources == 2 and report.invalid == 1
    assert "x.ndjson #1" in report.problems[0]


def test_a_put_entry_updates_an_existing_resource_as_a_new_version(repo: Repository, tmp_path: Path) -> None:
    repo.create({"resourceType": "Patient", "gender": "male"}, resource_id="known")
    put = {"resource": {"resourceType": "Patient", "id": "known", "gender": "female"},
           "request": {"method": "PUT", "url": "Patient/known"}}
    Importer(repo).run([_write(tmp_path / "b.json", _transaction(put))])
    stored = repo.read("Patient", "known")
    assert stored.version_id == 2 and stored.json()["gender"] == "female"


def test_conditional_and_delete_entries_are_refused_not_half_applied(tmp_path: Path) -> None:
    conditional = {"resource": {"resourceType": "Patient"},
                   "request": {"method": "POST", "url": "Patient", "ifNoneExist": "identifier=x|1"}}
    with pytest.raises(FhirError):
        importer.bundle_chunk(orjson.dumps(_transaction(conditional)))
    with pytest.raises(FhirError):
        importer.bundle_chunk(orjson.dumps(_transaction({"request": {"method": "DELETE", "url": "Patient/1"},
                                                         "resource": {"resourceType": "Patient"}})))


def test_every_reference_of_a_synthea_bundle_resolves_to_a_stored_resource(repo: Repository) -> None:
    path = min(SYNTHEA.glob("*.json"), key=lambda p: p.stat().st_size)
    entries = len(orjson.loads(path.read_bytes())["entry"])
    report = Importer(repo).run([path])
    assert report.resources == entries == ResourceRow.objects.count()
    stored = {f"{t}/{i}" for t, i in ResourceRow.objects.values_list("resource_type", "resource_id")}
    contents = "".join(ResourceRow.objects.values_list("content", flat=True))
    assert "urn:uuid:" not in contents
    references = set(re.findall(r'"reference":"([A-Za-z]+/[^"]+)"', contents))
    assert references and references <= stored


def test_the_command_reports_resources_per_second_and_fails_on_problems(db: None, tmp_path: Path) -> None:
    good = _write(tmp_path / "a.json", _transaction())
    out = StringIO()
    call_command("fhir_import", str(tmp_path), "--facility", "00001", "--no-progress", stdout=out)
    assert re.search(r"Imported 2 resources from 1 files in [\d.]+ s \(\d+ resources/s\)", out.getvalue())
    _ndjson(tmp_path / "bad.ndjson", [{"id": "x"}])
    with pytest.raises(CommandError):
        call_command("fhir_import", str(good), str(tmp_path / "bad.ndjson"), "--no-progress", stdout=StringIO(),
                     stderr=StringIO())
    with pytest.raises(CommandError):
        call_command("fhir_import", str(tmp_path / "missing.json"), "--no-progress")


@pytest.mark.slow
def test_a_parallel_import_stores_each_bundle_once_and_a_rerun_skips_them_all(live_db: str, tmp_path: Path) -> None:
    folder = tmp_path / "bundles"
    folder.mkdir()
    chosen = sorted(SYNTHEA.glob("*.json"), key=lambda p: p.stat().st_size)[:4]
    for path in chosen:
        (folder / path.name).symlink_to(path)
    expected = sum(len(orjson.loads(p.read_bytes())["entry"]) for p in chosen)
    first = live.benhan(live_db, "import", str(folder), "--jobs", "2", "--no-progress", "--facility", "00001").stdout
    assert f"Imported {expected} resources from 4 files" in first
    assert live.query(live_db, "SELECT COUNT(*) FROM fhir_resource")[0][0] == expected
    again = live.benhan(live_db, "import", str(folder), "--jobs", "2", "--no-progress").stdout
    assert "Imported 0 resources from 4 files" in again and f"{expected} already imported" in again
    assert live.query(live_db, "SELECT COUNT(*) FROM fhir_resource")[0][0] == expected


def test_the_warm_up_builds_every_types_index_plan_once_before_the_import_processes_fork() -> None:
    from benhan.fhir.search import indexer
    from benhan.fhir.search.definitions import resource_types

    indexer._plan.cache_clear()
    assert importer.warm_up() > 0
    assert indexer._plan.cache_info().currsize == len(resource_types())
    misses = indexer._plan.cache_info().misses
    indexer.rows_for({"resourceType": "Observation", "status": "final", "code": {"text": "mạch"}}, "o1", "00001")
    assert indexer._plan.cache_info().misses == misses  # the import finds it built
