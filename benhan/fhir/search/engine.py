"""Running a search: policy, criteria, keyset paging, includes, audit, and the searchset Bundle.

Paging is by keyset, never OFFSET: a page token carries the sort-key values of the last (or, for
`previous`, the first) row of the page it was made from, the snapshot bound (the highest
fhir_resource id when the first page ran, so resources created later never shift the pages) and
the total counted on the first page (exactly with `_total=accurate`; without `_total`, exactly up to
COUNT_BOUND matches and left out beyond, so broad searches stay cheap). Tokens are signed, so a
client cannot forge the bound.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import urlencode

from django.core import signing
from django.db import connection

from benhan.fhir.access import READ
from benhan.fhir.errors import FhirError, Issue
from benhan.fhir.store import Stored

from . import includes as inc
from . import sorting
from .compiler import RESOURCE_TABLE, Compiler, Cond
from .definitions import resource_types
from .errors import SearchParamError
from .params import Criterion, parse_query
from .shaping import Shaper

if TYPE_CHECKING:
    from benhan.fhir.repository import Repository

DEFAULT_COUNT = 20
MAX_COUNT = 1000
COUNT_BOUND = 1000  # without _total, matches are counted up to this many
WINDOW_ROWS = 4000  # rows in row order a default-order page is first looked for in (see _window_page)
# A broad search walks at most this many rows of its type per row of the page (and never more than
# WINDOW_ROWS): a match in ten rows or more fills the page from the walk; sparser matches are
# found all at once instead, after a walk that cost little (see _walk_page).
WALK_ROWS_PER_MATCH = 10
_SALT = "benhan.fhir.search.page"


@dataclass
class Entry:
    resource_type: str
    id: str
    version_id: int
    last_updated: Any
    tenant: str
    content: str
    mode: str  # match | include

    def stored(self) -> Stored:
        return Stored(self.resource_type, self.id, self.version_id, _aware(self.last_updated), False,
                      self.tenant, self.content)


@dataclass
class SearchResult:
    """A searchset: `entries` in order (matches then includes), links, total, and warnings."""

    base_url: str
    entries: list[Entry]
    total: int | None
    self_link: str
    next_link: str | None = None
    previous_link: str | None = None
    warnings: list[Issue] = field(default_factory=list)
    shaper: Shaper = field(default_factory=lambda: Shaper(None, None))

    @property
    def matches(self) -> list[Entry]:
        return [e for e in self.entries if e.mode == "match"]

    def to_bytes(self, pretty: bool = False) -> bytes:
        """The Bundle JSON, assembled around the stored resource bytes without parsing them."""
        import orjson

        head: dict[str, Any] = {"resourceType": "Bundle", "type": "searchset"}
        if self.total is not None:
            head["total"] = self.total
        links = [{"relation": "self", "url": self.self_link}]
        if self.next_link:
            links.append({"relation": "next", "url": self.next_link})
        if self.previous_link:
            links.append({"relation": "previous", "url": self.previous_link})
        head["link"] = links
        parts: list[bytes] = []
        for e in self.entries:
            full_url = orjson.dumps(f"{self.base_url}/{e.resource_type}/{e.id}")
            parts.append(b'{"fullUrl":' + full_url + b',"resource":' + self.shaper.shape(e.content)
                         + b',"search":{"mode":"' + e.mode.encode() + b'"}}')
        if self.warnings:
            outcome = orjson.dumps({"resourceType": "OperationOutcome", "issue": [i.as_json() for i in self.warnings]})
            parts.append(b'{"resource":' + outcome + b',"search":{"mode":"outcome"}}')
        body = orjson.dumps(head)
        if parts:  # FHIR JSON forbids empty arrays, so a page without entries has no "entry"
            body = body[:-1] + b',"entry":[' + b",".join(parts) + b"]}"
        if pretty:
            return orjson.dumps(orjson.loads(body), option=orjson.OPT_INDENT_2)
        return body


def _aware(value: Any) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if isinstance(value, datetime) and value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value


@dataclass
class _Controls:
    count: int = DEFAULT_COUNT
    sort: list[str] = field(default_factory=list)
    includes: list[inc.IncludeSpec] = field(default_factory=list)
    summary: str | None = None
    elements: list[str] | None = None
    total: str = "bounded"  # none | estimate | accurate, or bounded when the client did not say
    page: dict[str, Any] | None = None
    types: list[str] = field(default_factory=list)  # _type: the types a search across types covers


def _controls(rtype: str | None, controls: list[tuple[str, str]], lenient: bool, warnings: list[Issue]) -> _Controls:
    out = _Controls()
    for name, value in controls:
        base = name.split(":")[0]
        try:
            if base == "_count":
                if not value.isdigit():
                    raise SearchParamError("_count", f"_count must be a whole number, not '{value}'")
                out.count = min(int(value), MAX_COUNT)
            elif base == "_sort":
                out.sort.extend(v for v in value.split(",") if v)
            elif base in ("_include", "_revinclude"):
                out.includes.append(inc.parse_include(name, value))
            elif base == "_summary":
                out.summary = value
            elif base == "_elements":
                out.elements = [v.strip() for v in value.split(",") if v.strip()]
            elif base == "_total":
                if value not in ("none", "estimate", "accurate"):
                    raise SearchParamError("_total", f"_total must be none, estimate or accurate, not '{value}'")
                out.total = value
            elif base == "_type":
                wanted = [t for t in value.split(",") if t]
                unknown_types = [t for t in wanted if t not in resource_types()]
                if unknown_types or not wanted:
                    raise SearchParamError("_type", f"_type names unknown resource types: {', '.join(unknown_types) or value!r}")
                if rtype is not None and wanted != [rtype]:
                    raise SearchParamError("_type", f"_type={value} contradicts the searched type {rtype}")
                out.types.extend(wanted)
            elif base == "_page":
                try:
                    out.page = signing.loads(value, salt=_SALT)
                except signing.BadSignature as exc:
                    raise SearchParamError("_page", "the page token is not valid (expired or altered)") from exc
            else:
                raise SearchParamError(name, f"'{name}' is not supported")
        except SearchParamError as exc:
            if not lenient or base == "_page":
                raise
            warnings.append(Issue("not-supported", str(exc), (name,), severity="warning"))
    return out


class _Search:
    def __init__(self, repo: Repository, rtype: str | None, params: list[tuple[str, str]], base_url: str,
                 compartment: tuple[str, str] | None, lenient: bool) -> None:
        self.repo = repo
        self.rtype = rtype
        self.params = params
        self.base_url = base_url.rstrip("/")
        self.compartment = compartment
        self.lenient = lenient
        self.tenants = repo.policy.tenants(repo.actor)
        self.compiler = Compiler(connection.vendor, self.tenants, self.base_url)
        self.warnings: list[Issue] = []
        self.filtered = False  # whether any criterion narrows the type (set by where())
        # Per criterion, its index subquery when it is a plain `IN (ids)` condition (else None), and
        # the WHERE clause with those conditions as per-row probes (both set by where()).
        self.probes: list[Cond | None] = []
        self.walk_where: tuple[str, list[Any]] = ("", [])

    # --- visibility ----------------------------------------------------------------------------
    def readable(self, rtype: str) -> bool:
        return any(s.allows(rtype, READ) for s in self.repo.actor.scopes)

    def visible(self, alias: str) -> tuple[str, list[Any]]:
        """Tenancy, and for patient-context tokens their patients' compartments, on alias."""
        sql, params = "", []
        if self.tenants is not None:
            sql += f" AND {alias}.tenant IN ({', '.join(['%s'] * len(self.tenants))})"
            params += sorted(self.tenants)
        if self.repo.actor.patient_context_only:
            from benhan.fhir.bulk.compartment_index import compartment_sql
            from benhan.fhir.holds import held_sql

            csql, cparams = compartment_sql(sorted(self.repo.actor.patient_ids), alias=alias)
            sql += f" AND {csql}"
            params += cparams
            hsql, hparams = held_sql(alias)
            if hsql:
                sql += f" AND {hsql}"
                params += hparams
        return sql, params

    # --- building -----------------------------------------------------------------------------
    def where(self, criteria: list[Criterion], types: list[str] | None = None) -> tuple[str, list[Any]]:
        self.filtered = bool(criteria or self.compartment)
        clauses: list[str] = ["r.deleted = %s"]
        params: list[Any] = [False]
        if self.rtype:
            clauses.insert(0, "r.resource_type = %s")
            params.insert(0, self.rtype)
        else:
            allowed = sorted(t for t in (types or resource_types()) if self.readable(t))
            if types or not any(s.resource_type == "*" and s.read for s in self.repo.actor.scopes):
                if allowed:
                    clauses.append(f"r.resource_type IN ({', '.join(['%s'] * len(allowed))})")
                    params += allowed
                else:
                    clauses.append("1 = 0")
        vis_sql, vis_params = self.visible("r")
        if vis_sql:
            clauses.append(vis_sql[len(" AND "):])
            params += vis_params
        if self.compartment:
            from benhan.fhir.bulk.compartment_index import compartment_sql

            ctype, cid = self.compartment
            if ctype != "Patient":
                raise FhirError(400, [Issue("not-supported", f"only Patient compartments are searchable, not {ctype}")])
            csql, cparams = compartment_sql([cid], alias="r")
            clauses.append(csql)
            params += cparams
            self.probes.append(None)
        walk_clauses, walk_params = list(clauses), list(params)
        for c in criteria:
            try:
                cond = self._criterion(c)
            except SearchParamError as exc:
                if not self.lenient:
                    raise
                self.warnings.append(Issue("not-supported", str(exc), (c.raw,), severity="warning"))
                continue
            clauses.append(cond.sql)
            params += cond.params
            self.probes.append(cond.probe)
            if cond.probe is None:
                walk_clauses.append(cond.sql)
                walk_params += cond.params
            else:
                # OFFSET 0 keeps PostgreSQL from turning the probe into a hash of every match.
                offset = " OFFSET 0" if connection.vendor == "postgresql" else ""
                alias = f"pr{len(self.probes)}"
                walk_clauses.append(f"EXISTS (SELECT 1 FROM ({cond.probe.sql}) {alias}"
                                    f" WHERE {alias}.resource_id = r.resource_id{offset})")
                walk_params += cond.probe.params
        self.walk_where = (" AND ".join(walk_clauses), walk_params)
        return " AND ".join(clauses), params

    def _criterion(self, c: Criterion) -> Cond:
        if self.rtype:
            return self.compiler.criterion(self.rtype, c, "r")
        # Across all types only the common parameters apply; they are indexed under each type.
        if c.code not in ("_id", "_lastUpdated", "_tag", "_profile", "_security", "_source", "_content") \
                and c.has is None:
            from .errors import unknown

            raise unknown(c.raw, None)
        if c.code in ("_id", "_lastUpdated"):
            return self.compiler.criterion("Resource", c, "r")
        if c.code == "_content":
            ids = self.compiler.special_ids("Patient", c, nested=False)
        else:
            ids = self.compiler.matching_ids("Patient", self.compiler.lookup("Patient", c), c, nested=False)
        # The subquery is typed to Patient; make it follow the outer row's type instead.
        sql = ids.sql.replace(".resource_type = %s", ".resource_type = r.resource_type", 1)
        return Cond(f"r.resource_id IN ({sql})", [p for i, p in enumerate(ids.params) if i != 0])

    # --- running ------------------------------------------------------------------------------------
    def run(self) -> SearchResult:
        query = parse_query(self.params)
        ctl = _controls(self.rtype, query.controls, self.lenient, self.warnings)
        shaper = Shaper(ctl.summary, ctl.elements)
        where_sql, where_params = self.where(query.criteria, ctl.types)
        keys = [sorting.sort_key(self.rtype, s, connection.vendor) for s in ctl.sort]
        # The row's integer key breaks ties: unique across types, ordered alike on both databases,
        # and served by the primary key index (insertion order is the default order).
        keys.append(sorting.SortKey("r.id", (), False, "number"))

        page = ctl.page or {}
        with connection.cursor() as cursor:
            snapshot = page.get("s")
            if snapshot is not None:
                where_sql += " AND r.id <= %s"
                where_params = [*where_params, snapshot]
            # The first page reads the snapshot bound in its own statement (same database snapshot).
            snapshot_col = f", (SELECT MAX(id) FROM {RESOURCE_TABLE})" if snapshot is None else ""

            count_only = ctl.summary == "count" or ctl.count == 0
            broad = False
            total = page.get("t")
            rows: list[tuple[Any, ...]] = []
            capped: int | None = None  # matches counted up to COUNT_BOUND + 1 while finding the page
            has_more = False
            reverse = "b" in page
            if not count_only:
                cursor_values = page.get("a") or page.get("b")
                keyset, kparams = "", cast(list[Any], [])
                if cursor_values is not None:
                    values = [self._db_value(k, sorting.decode_value(v)) for k, v in zip(keys, cursor_values, strict=True)]
                    cond, kparams = sorting.after(keys, values, reverse=reverse)
                    keyset = " AND " + cond
                order, oparams = sorting.order_by(keys, reverse=reverse)
                key_cols = "".join(f", {k.sql}" for k in keys)
                key_params: list[Any] = [p for k in keys for p in k.params]
                window = None
                if self.filtered and len(keys) == 1:
                    window, matched, broad = self._capped_page(cursor, where_sql, where_params, keyset, kparams,
                                                               order, oparams, snapshot_col, ctl.count + 1)
                    if broad:
                        window = self._walk_page(cursor, keyset, kparams, order, oparams, snapshot, snapshot_col,
                                                 ctl.count + 1)
                    else:
                        capped = matched
                        if window is None:
                            window = self._window_page(cursor, where_sql, where_params, keyset, kparams, order,
                                                       oparams, snapshot, snapshot_col, ctl.count + 1)
                if window is not None:
                    pass
                elif self.filtered:
                    # With criteria, the matches are found first (a materialised CTE the planner cannot
                    # fold into an ORDER BY ... LIMIT walk of the whole table), the page is chosen
                    # from their narrow rows, and only its rows' JSON is read: the cost follows the
                    # number of matches, not where they lie in the table nor how large they are.
                    key_names = ", ".join(f"k{i}" for i in range(len(keys)))
                    outer = sorting.order_by(
                        [sorting.SortKey(sorting.collate(f"p.k{i}", connection.vendor) if k.kind == "text" else f"p.k{i}",
                                         (), k.desc, k.kind) for i, k in enumerate(keys)], reverse=reverse)[0]
                    cursor.execute(
                        f"WITH m AS MATERIALIZED (SELECT r.id, r.resource_type, r.resource_id, r.last_updated"
                        f" FROM {RESOURCE_TABLE} r WHERE {where_sql}),"
                        f" p ({key_names}) AS (SELECT {key_cols[2:]} FROM m r WHERE 1 = 1{keyset}"
                        f" ORDER BY {order} LIMIT %s)"
                        f" SELECT f.resource_type, f.resource_id, f.version_id, f.last_updated, f.tenant, f.content,"
                        f" {', '.join(f'p.k{i}' for i in range(len(keys)))}{snapshot_col}"
                        f" FROM p JOIN {RESOURCE_TABLE} f ON f.id = p.k{len(keys) - 1} ORDER BY {outer}",
                        [*where_params, *key_params, *kparams, *oparams, ctl.count + 1],
                    )
                else:
                    cursor.execute(
                        f"SELECT r.resource_type, r.resource_id, r.version_id, r.last_updated, r.tenant, r.content"
                        f"{key_cols}{snapshot_col} FROM {RESOURCE_TABLE} r WHERE {where_sql}{keyset}"
                        f" ORDER BY {order} LIMIT %s",
                        [*key_params, *where_params, *kparams, *oparams, ctl.count + 1],
                    )
                rows = list(window if window is not None else cursor.fetchall())
                if snapshot is None:
                    snapshot = rows[0][-1] if rows else 0
                has_more = len(rows) > ctl.count
                rows = rows[: ctl.count]
                if reverse:
                    rows.reverse()
            if total is None and ctl.total != "none" and not page:
                if capped is not None and (capped <= COUNT_BOUND or ctl.total == "bounded"):
                    total = capped if capped <= COUNT_BOUND else None
                elif not count_only and not has_more:
                    total = len(rows)
                elif broad and ctl.total == "bounded" and not count_only:
                    total = None  # more matches than the bound: counting them is what the walk avoids
                else:
                    total = self._count(cursor, where_sql, where_params, "accurate" if count_only else ctl.total)

        matches = [Entry(row[0], row[1], row[2], row[3], row[4], row[5], mode="match") for row in rows]
        entries = list(matches)
        if ctl.includes and matches:
            included = inc.resolve_includes(ctl.includes, [(e.resource_type, e.id) for e in matches],
                                            self.readable, self.visible)
            entries += [Entry(row[0], row[1], row[2], row[3], row[4], row[5], mode="include") for row in included]

        base_path = self._path()
        plain = [(k, v) for k, v in self.params if k != "_page"]
        result = SearchResult(self.base_url, entries, total, self._link(base_path, self.params),
                              warnings=self.warnings, shaper=shaper)
        n = len(keys)
        if rows:
            state: dict[str, Any] = {"s": snapshot, "t": total}
            last, first = rows[-1][6 : 6 + n], rows[0][6 : 6 + n]
            more_after = has_more if not reverse else True
            more_before = bool(page) and (has_more if reverse else True)
            if more_after:
                token = signing.dumps({**state, "a": [sorting.encode_value(v) for v in last]}, salt=_SALT, compress=True)
                result.next_link = self._link(base_path, [*plain, ("_page", token)])
            if more_before:
                token = signing.dumps({**state, "b": [sorting.encode_value(v) for v in first]}, salt=_SALT, compress=True)
                result.previous_link = self._link(base_path, [*plain, ("_page", token)])
        if count_only:
            result.entries = []
        return result

    def _capped_page(self, cursor: Any, where_sql: str, where_params: list[Any], keyset: str, kparams: list[Any],
                     order: str, oparams: list[Any], snapshot_col: str,
                     limit: int) -> tuple[list[tuple[Any, ...]] | None, int, bool]:
        """The page in row order from at most COUNT_BOUND + 1 matches, how many there were, and
        whether the search is broad.

        Most searches (a patient's records, an identifier, a name) match fewer: then the page and
        the bounded total come from one statement. With more, the page is found by _window_page.
        When every criterion is a plain index condition, the statement first counts each one's
        index rows up to the bound (an index-only scan that stops there, so it costs the same at
        any size of store); if all pass it, the search is broad and the statement stops before
        finding any match (a one-time filter): the caller walks the type instead (_walk_page)."""
        gate_sql, gate_params = self._gate()
        gate_cte = f"g AS MATERIALIZED (SELECT {gate_sql} AS v), " if gate_sql else ""
        gate_where = " AND (SELECT v FROM g) <= %s" if gate_sql else ""
        gate_col = ", (SELECT v FROM g)" if gate_sql else ", 0"
        cursor.execute(
            f"WITH {gate_cte}m AS MATERIALIZED (SELECT r.id FROM {RESOURCE_TABLE} r WHERE {where_sql}{gate_where}"
            f" LIMIT %s), p AS (SELECT r.id FROM m r WHERE 1 = 1{keyset} ORDER BY {order} LIMIT %s)"
            f" SELECT q.*, c.n{gate_col} FROM (SELECT COUNT(*) AS n FROM m) c LEFT JOIN"
            f" (SELECT f.resource_type, f.resource_id, f.version_id, f.last_updated, f.tenant, f.content, f.id"
            f"{snapshot_col} FROM p JOIN {RESOURCE_TABLE} f ON f.id = p.id) q ON 1 = 1",
            [*gate_params, *where_params, *([COUNT_BOUND] if gate_sql else []), COUNT_BOUND + 1, *kparams, *oparams,
             limit],
        )
        rows = cursor.fetchall()
        # One row at least: the count joins an empty page too.
        matched, gate = int(rows[0][-2]), int(rows[0][-1])
        if gate > COUNT_BOUND:
            return None, matched, True
        if matched > COUNT_BOUND:
            return None, matched, False
        page = sorted((row[:-2] for row in rows if row[6] is not None), key=lambda row: row[6],
                      reverse=order.endswith("DESC"))
        return page, matched, False

    def _gate(self) -> tuple[str, list[Any]]:
        """SQL for the least of the criteria's index-row counts, each stopped at COUNT_BOUND + 1;
        empty unless the search has one type and every criterion is a plain index condition
        (only then can the search be walked)."""
        if not self.rtype or not self.probes or any(p is None for p in self.probes):
            return "", []
        counts: list[str] = []
        params: list[Any] = []
        for i, probe in enumerate(self.probes):
            assert probe is not None
            counts.append(f"(SELECT COUNT(*) FROM ({probe.sql} LIMIT %s) b{i})")
            params += [*probe.params, COUNT_BOUND + 1]
        if len(counts) == 1:
            return counts[0], params
        least = "LEAST" if connection.vendor == "postgresql" else "MIN"  # SQLite's many-argument MIN
        return f"{least}({', '.join(counts)})", params

    def _walk_page(self, cursor: Any, keyset: str, kparams: list[Any], order: str, oparams: list[Any],
                   snapshot: int | None, snapshot_col: str, limit: int) -> list[tuple[Any, ...]] | None:
        """A page of a broad one-type search in row order: the type's next rows, taken in order
        (the (resource_type, id) index) and each checked by probing the criteria's index rows,
        until the page is full. Matches are common, so few rows are read, however large the store.
        At most WALK_ROWS_PER_MATCH rows per row of the page are walked: None when they hold too
        few matches (the caller then finds all matches and sorts them)."""
        window = min(WINDOW_ROWS, WALK_ROWS_PER_MATCH * limit)
        bound, bparams = ("", []) if snapshot is None else (" AND r.id <= %s", [snapshot])
        walk_sql, walk_params = self.walk_where
        head = f"SELECT r.id FROM {RESOURCE_TABLE} r WHERE r.resource_type = %s{bound}{keyset}"
        head_params = [self.rtype, *bparams, *kparams]
        cursor.execute(
            f"WITH w AS ({head} ORDER BY {order} LIMIT %s)"
            f" SELECT r.resource_type, r.resource_id, r.version_id, r.last_updated, r.tenant, r.content, r.id"
            f"{snapshot_col} FROM w JOIN {RESOURCE_TABLE} r ON r.id = w.id WHERE {walk_sql} ORDER BY {order} LIMIT %s",
            [*head_params, *oparams, window, *walk_params, *oparams, limit],
        )
        rows = cursor.fetchall()
        if len(rows) < limit:
            cursor.execute(f"SELECT COUNT(*) FROM ({head} LIMIT %s) w", [*head_params, window])
            if cursor.fetchone()[0] >= window:
                return None  # the walk ended at the window's end, not the type's
        return [tuple(row) for row in rows]

    @staticmethod
    def _window_page(cursor: Any, where_sql: str, where_params: list[Any], keyset: str, kparams: list[Any],
                     order: str, oparams: list[Any], snapshot: int | None, snapshot_col: str,
                     limit: int) -> list[tuple[Any, ...]] | None:
        """A page in row order read from the next WINDOW_ROWS rows of the table, or None when they
        hold fewer matches than the page needs (the caller then finds all matches and sorts them).

        For a broad search (every active condition of a province) this reads a few thousand
        consecutive rows instead of looking up every match's row id: the criteria's subqueries are
        hashed from the index alone, and the walk stops at the window's end. Only for the default
        order (row id), where the window's rows are exactly the next candidates."""
        bound, bparams = ("", []) if snapshot is None else (" AND r.id <= %s", [snapshot])
        # The window carries every column the criteria read, so matches need no second look-up.
        cursor.execute(
            f"WITH w AS MATERIALIZED (SELECT r.id, r.resource_type, r.resource_id, r.deleted, r.tenant,"
            f" r.last_updated FROM {RESOURCE_TABLE} r WHERE 1 = 1{bound}{keyset} ORDER BY {order} LIMIT %s),"
            f" p AS (SELECT r.id FROM w r WHERE {where_sql} ORDER BY {order} LIMIT %s)"
            f" SELECT r.resource_type, r.resource_id, r.version_id, r.last_updated, r.tenant, r.content, r.id"
            f"{snapshot_col}, (SELECT COUNT(*) FROM w) FROM p JOIN {RESOURCE_TABLE} r ON r.id = p.id ORDER BY {order}",
            [*bparams, *kparams, *oparams, WINDOW_ROWS, *where_params, *oparams, limit, *oparams],
        )
        rows = cursor.fetchall()
        if len(rows) < limit and (not rows or rows[0][-1] >= WINDOW_ROWS):
            return None  # the window was full but held too few matches (or none at all)
        return [row[:-1] for row in rows]

    @staticmethod
    def _count(cursor: Any, where_sql: str, where_params: list[Any], mode: str) -> int | None:
        """The number of matches: exact (`accurate`), the planner's estimate (`estimate`, PostgreSQL),
        or, when the client did not ask, exact up to COUNT_BOUND and otherwise left out, so a broad
        search does not pay for counting every match on every first page."""
        if mode == "estimate" and connection.vendor == "postgresql":
            cursor.execute(f"EXPLAIN (FORMAT JSON) SELECT 1 FROM {RESOURCE_TABLE} r WHERE {where_sql}", where_params)
            plan = cursor.fetchone()[0]
            plan = json.loads(plan) if isinstance(plan, str) else plan
            return int(plan[0]["Plan"]["Plan Rows"])
        if mode == "bounded":
            cursor.execute(f"SELECT COUNT(*) FROM (SELECT 1 FROM {RESOURCE_TABLE} r WHERE {where_sql} LIMIT %s) b",
                           [*where_params, COUNT_BOUND + 1])
            n = cursor.fetchone()[0]
            return n if n <= COUNT_BOUND else None
        cursor.execute(f"SELECT COUNT(*) FROM {RESOURCE_TABLE} r WHERE {where_sql}", where_params)
        return int(cursor.fetchone()[0])

    @staticmethod
    def _db_value(key: sorting.SortKey, value: object) -> object:
        if key.kind == "instant":
            return connection.ops.adapt_datetimefield_value(_aware(value))
        return value

    def _path(self) -> str:
        if self.compartment:
            return f"{self.base_url}/{self.compartment[0]}/{self.compartment[1]}/{self.rtype or ''}".rstrip("/")
        return f"{self.base_url}/{self.rtype}" if self.rtype else self.base_url

    @staticmethod
    def _link(path: str, params: list[tuple[str, str]]) -> str:
        return f"{path}?{urlencode(params)}" if params else path


def run_search(repo: Repository, resource_type: str | None, params: list[tuple[str, str]], *, base_url: str,
               compartment: tuple[str, str] | None = None, lenient: bool = False) -> SearchResult:
    """Check the policy, run the search, and audit it (one row, with the query), refusals included."""
    query_text = urlencode(params)
    audit_type = resource_type or ""
    try:
        if resource_type is not None:
            if resource_type not in resource_types():
                raise FhirError(404, [Issue("not-supported", f"'{resource_type}' is not a FHIR R4 resource type")])
            repo.policy.check_type(repo.actor, resource_type, READ)
        elif not any(s.read for s in repo.actor.scopes):
            raise FhirError(403, [Issue("forbidden", "the token's scopes allow no reads")])
        if repo.actor.patient_context_only and compartment and compartment[1] not in repo.actor.patient_ids:
            raise FhirError(403, [Issue("forbidden", "that compartment is outside the patient's record")])
        result = _Search(repo, resource_type, params, base_url, compartment, lenient).run()
    except FhirError as exc:
        if exc.status == 403:
            repo.audit_event("search", outcome="4", resource_type=audit_type, query=query_text, reason=str(exc))
        raise
    patient = compartment[1] if compartment and compartment[0] == "Patient" else ""
    repo.audit_event("search", resource_type=audit_type, query=query_text, patient_id=patient)
    return result
