"""The search-parameter table: the committed artefact is the generator's output, and what it keeps."""

from __future__ import annotations

from pathlib import Path

from benhan.fhir.search.definitions import _TABLE, _build, _share_components, _table, params_for
from tests.conftest import generator_output


def test_the_committed_table_is_what_the_generator_makes(tmp_path: Path) -> None:
    made = generator_output("gen_search_params", tmp_path / "search_params.json")
    assert made == _TABLE.read_bytes(), "run: python scripts/gen_search_params.py"


def test_composites_keep_the_source_text_of_their_expression_and_components() -> None:
    entry = _table()["params"]["CodeSystem"]["context-type-value"]
    # The conformance parameter's expression names fourteen types; the table keeps this type's part.
    assert entry["source"] == "CodeSystem.useContext"
    assert [c["source"] for c in entry["components"]] == ["code", "value.as(CodeableConcept)"]
    composites = [e for params in _table()["params"].values() for e in params.values() if e["type"] == "composite"]
    assert len(composites) == 72
    assert all(e["source"] and all(c["source"] for c in e["components"]) for e in composites)


def test_without_source_texts_every_component_keeps_its_own_key() -> None:
    """A table from before decision 27 (no texts) shares nothing rather than guessing."""
    table = _table()["params"]["Observation"]
    params = {code: _build("Observation", code, {k: v for k, v in table[code].items() if k != "source"})
              for code in ("code-value-concept", "code-value-quantity")}
    _share_components(params)
    assert [c.key for c in params["code-value-quantity"].components] == ["code-value-quantity#0", "code-value-quantity#1"]
    assert params_for("Observation")["code-value-quantity"].components[0].key == "code-value-concept#0"
