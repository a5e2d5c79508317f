from __future__ import annotations

from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest
from django.utils import timezone

from benhan.fhir.bulk import export as exports
from benhan.fhir.bulk.models import ExportRequest
from benhan.fhir.bulk.ndjson_files import NdjsonFiles
from benhan.fhir.errors import FhirError
from benhan.fhir.repository import Repository
from benhan.jobs import queue
from benhan.jobs.models import Job
from benhan.jobs.worker import Worker
from tests.fhir.bulk import synthea

ASYNC = "respond-async"


@pytest.fixture(autouse=True)
def _var(settings, tmp_path: Path) -> None:
    settings.VAR_DIR = tmp_path


def _start(repo: Repository, level: str = "system", group_id: str = "", prefer: str = ASYNC, **params: str) -> ExportRequest:
    return exports.start_export(repo, level=level, params=list(params.items()), prefer=prefer,
                                request_url="http://test/fhir/$export", group_id=group_id)


def _run() -> None:
    Worker("test-worker").run(burst=True)


def _exported(export: ExportRequest) -> list[dict[str, Any]]:
    """Every resource in the export's files, read back through the manifest."""
    export.refresh_from_db()
    assert export.status == "completed", export.job and export.job.last_error
    out = []
    for item in exports.manifest(export)["output"]:
        name = item["url"].rsplit("/", 1)[-1]
        lines = exports.file_path(export, name).read_text().splitlines()
        assert len(lines) == item["count"]
        out += [orjson.loads(line) for line in lines]
        assert all(r["resourceType"] == item["type"] for r in out[-len(lines):])
    return out


def _refs(resources: list[dict[str, Any]]) -> Counter[str]:
    return Counter(f"{r['resourceType']}/{r['id']}" for r in resources)


@pytest.fixture
def loaded(repo: Repository) -> list[str]:
    return [synthea.load(repo, path) for path in synthea.bundle_paths()[:2]]


def test_system_export_writes_every_resource_exactly_once_as_stored(repo: Repository, loaded: list[str]) -> None:
    export = _start(repo)
    _run()
    refs = _refs(_exported(export))
    assert set(refs.values()) == {1}
    expected = {f"{r['resourceType']}/{r['id']}" for p in synthea.bundle_paths()[:2] for r in synthea.resources_of(p)}
    assert set(refs) == expected
    manifest = exports.manifest(export)
    assert manifest["requiresAccessToken"] is True and manifest["error"] == []
    assert manifest["output"][0]["type"] == "Patient"


def test_export_without_prefer_respond_async_is_refused(repo: Repository) -> None:
    with pytest.raises(FhirError) as exc:
        _start(repo, prefer="")
    assert exc.value.status == 400


def test_unsupported_output_format_and_parameters_are_refused(repo: Repository) -> None:
    for params in ({"_outputFormat": "text/csv"}, {"_typeFilter": "Observation?code=x"}, {"_type": "Nonsense"}):
        with pytest.raises(FhirError) as exc:
            _start(repo, **params)
        assert exc.value.status == 400
    assert _start(repo, prefer="respond-async, handling=lenient", _typeFilter="Observation?code=x")
    assert _start(repo, _outputFormat="application/fhir+ndjson")


def test_type_filter_exports_only_the_named_types(repo: Repository, loaded: list[str]) -> None:
    export = _start(repo, _type="Patient,Condition")
    _run()
    assert {r["resourceType"] for r in _exported(export)} == {"Patient", "Condition"}


def test_since_exports_only_resources_changed_after_it(repo: Repository, loaded: list[str]) -> None:
    cutoff = timezone.now()
    changed = repo.create({"resourceType": "Condition", "subject": {"reference": f"Patient/{loaded[0]}"}})
    export = _start(repo, _since=cutoff.isoformat())
    _run()
    assert _refs(_exported(export)) == Counter({f"Condition/{changed.id}": 1})


def test_resources_written_after_the_transaction_time_are_left_for_the_next_export(repo: Repository) -> None:
    pid = repo.create({"resourceType": "Patient"}).id
    export = _start(repo)
    repo.create({"resourceType": "Condition", "subject": {"reference": f"Patient/{pid}"}})
    _run()
    assert set(_refs(_exported(export))) == {f"Patient/{pid}"}


def test_patient_export_leaves_out_resources_outside_every_compartment(repo: Repository, loaded: list[str]) -> None:
    export = _start(repo, level="patient")
    _run()
    types = {r["resourceType"] for r in _exported(export)}
    assert "Patient" in types and "Observation" in types
    assert not types & {"Practitioner", "Organization"}


def test_group_export_covers_its_members_and_no_one_else(repo: Repository, loaded: list[str]) -> None:
    member, outsider = loaded
    group = repo.create({"resourceType": "Group", "type": "person", "actual": True,
                         "member": [{"entity": {"reference": f"Patient/{member}"}}]})
    export = _start(repo, level="group", group_id=group.id)
    _run()
    resources = _exported(export)
    mine = {f"{r['resourceType']}/{r['id']}" for r in synthea.resources_of(synthea.bundle_paths()[0])
            if r["resourceType"] not in synthea.SHARED_TYPES}
    # The Group itself is in its members' compartments (R4 CompartmentDefinition: Group.member.entity).
    assert set(_refs(resources)) == mine | {f"Group/{group.id}"}
    assert outsider not in orjson.dumps(resources).decode()


def test_another_facilitys_data_never_appears_in_its_export(repo: Repository, system_actor, make_actor) -> None:
    ours = repo.create({"resourceType": "Patient"}).id
    theirs = Repository(system_actor, "00002").create({"resourceType": "Patient"}).id
    client = Repository(make_actor("system/*.read", facilities={"00001"}), "00001")
    export = _start(client)
    _run()
    assert set(_refs(_exported(export))) == {f"Patient/{ours}"}
    assert theirs


def test_a_patient_token_exports_only_its_own_compartment(repo: Repository, loaded: list[str], make_actor) -> None:
    me = Repository(make_actor("patient/*.read", facilities=None, kind="patient", patient_ids={loaded[0]}))
    with pytest.raises(FhirError) as exc:
        _start(me)
    assert exc.value.status == 403
    export = _start(me, level="patient")
    _run()
    assert loaded[1] not in orjson.dumps(_exported(export)).decode()


def test_a_type_outside_the_tokens_scopes_is_refused(repo: Repository, make_actor) -> None:
    narrow = Repository(make_actor("system/Patient.read", facilities=None))
    with pytest.raises(FhirError) as exc:
        _start(narrow, _type="Observation")
    assert exc.value.status == 403


def test_a_job_whose_worker_died_is_reclaimed_and_each_resource_written_once(repo: Repository, loaded: list[str]) -> None:
    export = _start(repo)
    # A worker claims the job, writes and records the first 100 rows, writes 20 more (unrecorded),
    # leaves a stray file, and dies.
    dead = queue.claim("dead-worker")
    assert dead is not None
    rows = list(exports.rows_to_export(export).order_by("id").values_list("id", "resource_type", "content")[:120])
    files = NdjsonFiles(exports.export_dir(export), 1, 100_000)
    for _, rtype, content in rows[:100]:
        files.write(rtype, [content])
    files.flush()
    ExportRequest.objects.filter(pk=export.pk).update(output={"cursor": rows[99][0], "files": files.state()})
    for _, rtype, content in rows[100:]:
        files.write(rtype, [content])
    files.close()
    stray = exports.export_dir(export) / "Observation-9.a1.ndjson"
    stray.write_text('{"resourceType":"Observation","id":"partial"}\n')
    Job.objects.filter(pk=dead.pk).update(lease_expires_at=timezone.now() - timedelta(seconds=1))
    _run()
    refs = _refs(_exported(export))
    assert set(refs.values()) == {1} and "Observation/partial" not in refs
    expected = {f"{r['resourceType']}/{r['id']}" for p in synthea.bundle_paths()[:2] for r in synthea.resources_of(p)}
    assert set(refs) == expected
    assert sorted(p.name for p in exports.export_dir(export).iterdir()) == sorted(
        f["name"] for f in exports.output_files(ExportRequest.objects.get(pk=export.pk)))
    job = Job.objects.get(pk=dead.pk)
    assert job.status == "succeeded" and job.attempts == 2


def test_an_export_that_keeps_failing_ends_failed_with_an_error_file(repo: Repository, monkeypatch, settings) -> None:
    settings.JOBS_BACKOFF_BASE_SECONDS = 0
    repo.create({"resourceType": "Patient"})
    from benhan.fhir.bulk import tasks

    def broken(*args: Any) -> None:
        raise OSError("No space left on device")

    monkeypatch.setattr(tasks.NdjsonFiles, "write", broken)
    export = _start(repo)
    for _ in range(10):
        _run()
    export.refresh_from_db()
    assert export.status == "failed" and export.job is not None and export.job.attempts == 5
    with pytest.raises(FhirError) as exc:
        exports.status_response(export)
    assert exc.value.status == 500 and "No space left" in str(exc.value)
    error_file = exports.file_path(export, export.errors[0]["name"])
    outcome = orjson.loads(error_file.read_text().splitlines()[0])
    assert outcome["resourceType"] == "OperationOutcome" and "No space left" in outcome["issue"][0]["diagnostics"]


def test_an_export_whose_job_ended_unrecorded_is_reported_failed_not_polled_forever(repo: Repository) -> None:
    export = _start(repo)
    assert export.job_id is not None  # an async export is queued as a job
    Job.objects.filter(pk=export.job_id).update(status="failed", last_error="worker host lost its disk")
    export = ExportRequest.objects.select_related("job").get(pk=export.pk)
    with pytest.raises(FhirError) as exc:
        exports.status_response(export)
    assert exc.value.status == 500 and "lost its disk" in str(exc.value)


def test_status_is_202_with_progress_while_running_then_200_with_the_manifest(repo: Repository) -> None:
    repo.create({"resourceType": "Patient"})
    export = _start(repo)
    code, headers, _ = exports.status_response(export)
    assert code == 202 and headers["X-Progress"] == "queued"
    _run()
    export.refresh_from_db()
    code, headers, body = exports.status_response(export)
    manifest = orjson.loads(body)
    assert code == 200 and "Expires" in headers
    assert manifest["transactionTime"].endswith("Z") and manifest["output"][0]["count"] == 1
    assert manifest["output"][0]["url"].startswith(exports.status_url(export) + "/files/")


def test_cancelling_a_queued_export_stops_its_job_and_later_polls_are_404(repo: Repository) -> None:
    repo.create({"resourceType": "Patient"})
    export = _start(repo)
    exports.cancel_export(export)
    _run()
    export.refresh_from_db()
    assert export.status == "cancelled" and export.job is not None and export.job.status == "cancelled"
    assert not exports.export_dir(export).exists()
    with pytest.raises(FhirError) as exc:
        exports.status_response(export)
    assert exc.value.status == 404


def test_cancelling_a_completed_export_removes_its_files(repo: Repository) -> None:
    repo.create({"resourceType": "Patient"})
    export = _start(repo)
    _run()
    export.refresh_from_db()
    assert any(exports.export_dir(export).iterdir())
    exports.cancel_export(export)
    assert not exports.export_dir(export).exists()


def test_a_running_export_cancelled_stops_at_its_next_lease_renewal_and_leaves_no_files(repo: Repository, loaded: list[str], monkeypatch) -> None:
    from benhan.fhir.bulk import tasks

    monkeypatch.setattr(tasks, "CHUNK", 10)
    export = _start(repo)
    real_write = tasks.NdjsonFiles.write

    def write_then_cancel(self, rtype, lines):
        real_write(self, rtype, lines)
        if export.status == "accepted":
            exports.cancel_export(ExportRequest.objects.get(pk=export.pk))  # DELETE arrives mid-export
            export.status = "cancelled"

    monkeypatch.setattr(tasks.NdjsonFiles, "write", write_then_cancel)
    _run()
    export.refresh_from_db()
    assert export.status == "cancelled" and export.job is not None and export.job.status == "cancelled"
    assert not exports.export_dir(export).exists()


def test_files_expire_after_the_configured_time(repo: Repository, settings) -> None:
    settings.BULK_EXPORT_EXPIRE_SECONDS = 0
    repo.create({"resourceType": "Patient"})
    export = _start(repo)
    _run()  # writes, then the expiry job (due at once) removes the files
    export.refresh_from_db()
    assert export.status == "expired" and not exports.export_dir(export).exists()
    with pytest.raises(FhirError) as exc:
        exports.status_response(export)
    assert exc.value.status == 410


def test_large_types_are_split_into_several_files(repo: Repository, settings) -> None:
    settings.BULK_EXPORT_FILE_MAX_RESOURCES = 2
    for _ in range(5):
        repo.create({"resourceType": "Patient"})
    export = _start(repo)
    _run()
    counts = [o["count"] for o in exports.manifest(ExportRequest.objects.get(pk=export.pk))["output"]]
    assert counts == [2, 2, 1]
    assert len(_exported(export)) == 5


def test_only_the_client_that_started_an_export_can_see_it(repo: Repository, make_actor) -> None:
    export = _start(repo)
    assert exports.owned_export(repo.actor, str(export.id)).pk == export.pk
    with pytest.raises(FhirError) as exc:
        exports.owned_export(make_actor("system/*.*", facilities=None), str(export.id))
    assert exc.value.status == 404
