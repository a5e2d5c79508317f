from __future__ import annotations

from pathlib import Path

import pytest

from benhan.fhir.bulk.ndjson_files import NdjsonFiles, StateLost


def _lines(folder: Path, name: str) -> list[str]:
    return (folder / name).read_text().splitlines()


def test_each_type_gets_its_own_files_split_at_the_limit(tmp_path: Path) -> None:
    files = NdjsonFiles(tmp_path, 1, limit=2)
    files.write("Patient", ["p1", "p2", "p3"])
    files.write("Observation", ["o1"])
    files.close()
    assert [(f["type"], f["name"], f["count"]) for f in files.state()] == [
        ("Patient", "Patient-1.a1.ndjson", 2), ("Patient", "Patient-2.a1.ndjson", 1),
        ("Observation", "Observation-1.a1.ndjson", 1)]
    assert _lines(tmp_path, "Patient-2.a1.ndjson") == ["p3"]
    assert all(f["bytes"] == (tmp_path / f["name"]).stat().st_size for f in files.state())


def test_a_new_attempt_continues_from_the_recorded_length_under_its_own_names(tmp_path: Path) -> None:
    first = NdjsonFiles(tmp_path, 1, limit=10)
    first.write("Patient", ["p1", "p2"])
    first.flush()
    recorded = first.state()
    first.write("Patient", ["written after the checkpoint"])
    first.close()
    second = NdjsonFiles(tmp_path, 2, limit=10)
    second.resume(recorded)
    second.write("Patient", ["p3"])
    second.close()
    assert [f["name"] for f in second.state()] == ["Patient-1.a2.ndjson"]
    assert _lines(tmp_path, "Patient-1.a2.ndjson") == ["p1", "p2", "p3"]
    assert _lines(tmp_path, "Patient-1.a1.ndjson")[-1] == "written after the checkpoint"  # untouched


def test_a_recorded_file_shorter_than_recorded_means_starting_again(tmp_path: Path) -> None:
    first = NdjsonFiles(tmp_path, 1, limit=10)
    first.write("Patient", ["p1", "p2"])
    first.close()
    recorded = first.state()
    (tmp_path / "Patient-1.a1.ndjson").write_text("p1\n")  # the machine crashed before p2 reached disk
    with pytest.raises(StateLost):
        NdjsonFiles(tmp_path, 2, limit=10).resume(recorded)
