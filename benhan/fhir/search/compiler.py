"""Compiling search criteria into SQL over fhir_resource and the index tables.

Each criterion becomes a condition on the resource alias: mostly `alias.resource_id IN (subquery
over one index table)`, which both databases run as an index range scan on
(resource_type, param, value, resource_id) followed by a semi-join on the resource table's unique
(resource_type, resource_id) index. Chains nest the same subqueries through the reference table;
`_has` turns them around. `:not` and `:missing=true` become NOT IN. Nested subqueries also check
the index rows' tenant, so a chain cannot reveal another facility's records.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import connection

from benhan.fhir.models import ResourceRow

from . import matchers, special, terminology
from .dates import ms_to_datetime, parse_range
from .definitions import ROW_PARAMS, UNSUPPORTED, SearchParam, params_for, resource_types
from .errors import SearchParamError, malformed, unknown, unsupported
from .indexer import TABLES
from .params import Criterion, parse_name, split_unescaped, unescape
from .terminology import Terminology, TerminologyError
from .values import split_reference

RESOURCE_TABLE = ResourceRow._meta.db_table

MODIFIERS = {
    "string": {"exact", "contains", "missing"},
    "token": {"not", "text", "of-type", "missing", "in", "not-in", "below", "above"},
    "reference": {"identifier", "missing"},
    "date": {"missing"},
    "number": {"missing"},
    "quantity": {"missing"},
    "uri": {"below", "above", "missing"},
    "composite": set(),
}
# Modifiers matched by a LIKE with a leading wildcard: no index range, so a criterion with one is
# not counted ahead (that would scan its rows twice) and never makes a search walk.
_SCANNING = frozenset({"contains", "text"})
# Token modifiers answered from the ValueSets and CodeSystems stored here (terminology.py).
TERMINOLOGY_MODIFIERS = {"in", "not-in", "below", "above"}


@dataclass(frozen=True)
class Cond:
    sql: str
    params: list[Any]
    # For `alias.resource_id IN (ids)` conditions: the ids subquery over one index table. The engine
    # counts its rows (bounded) to tell a broad search from a narrow one, and probes it per row
    # when it walks a type in row order (engine._walk_page).
    probe: Cond | None = None


class Compiler:
    def __init__(self, vendor: str, tenants: frozenset[str] | None, base_url: str) -> None:
        self.vendor = vendor
        self.tenants = tenants
        self.base_url = base_url.rstrip("/")
        self._n = 0
        self._terminology: Terminology | None = None

    @property
    def terminology(self) -> Terminology:
        if self._terminology is None:
            self._terminology = Terminology(self.tenants)
        return self._terminology

    # --- helpers ---------------------------------------------------------------------------------
    def _alias(self, stem: str = "i") -> str:
        self._n += 1
        return f"{stem}{self._n}"

    def _tenant_sql(self, alias: str) -> Cond:
        if self.tenants is None:
            return Cond("", [])
        marks = ", ".join(["%s"] * len(self.tenants))
        return Cond(f" AND {alias}.tenant IN ({marks})", sorted(self.tenants))

    def lookup(self, rtype: str, criterion: Criterion) -> SearchParam:
        if criterion.code in UNSUPPORTED:
            raise unsupported(criterion.raw, UNSUPPORTED[criterion.code])
        param = params_for(rtype).get(criterion.code)
        if param is None:
            raise unknown(criterion.raw, rtype)
        if param.type == "special":
            raise unsupported(criterion.raw, "this special parameter is not supported")
        return param

    def _index_ids(self, kind: str, rtype: str, code: str, where: str, params: list[Any], nested: bool) -> Cond:
        a = self._alias()
        tenant = self._tenant_sql(a) if nested else Cond("", [])
        sql = (f"SELECT {a}.resource_id FROM {TABLES[kind]} {a} WHERE {a}.resource_type = %s AND {a}.param = %s"
               f" AND ({where.replace('{a}', a)}){tenant.sql}")
        return Cond(sql, [rtype, code, *params, *tenant.params])

    # --- entry point ---------------------------------------------------------------------------
    def criterion(self, rtype: str, c: Criterion, alias: str, nested: bool = False) -> Cond:
        """A condition on `alias` (a fhir_resource row of type `rtype`) for one criterion."""
        if c.has is not None:
            return self._has(rtype, c, alias, nested)
        if c.code in ROW_PARAMS:
            return self._row_param(rtype, c, alias)
        if c.code in special.TEXT_PARAMS or (c.code == special.NEAR and rtype == "Location"):
            ids = self.special_ids(rtype, c, nested)
            # No probe: `_text`/`_content` scan the type's text rows (no index range), so counting
            # them first would double that scan; `near` is rare enough not to walk.
            return Cond(f"{alias}.resource_id IN ({ids.sql})", ids.params)
        param = self.lookup(rtype, c)
        if c.chain:
            return self._chain(rtype, param, c, alias)
        if c.modifier == "missing":
            return self._missing(rtype, param, c, alias, nested)
        if not c.values or all(v == "" for v in c.values):
            raise malformed(c.raw, "", "a value is required")
        ids = self.matching_ids(rtype, param, c, nested)
        negate = c.modifier in ("not", "not-in")
        return Cond(f"{alias}.resource_id {'NOT IN' if negate else 'IN'} ({ids.sql})", ids.params,
                    probe=None if negate or param.type == "composite" or c.modifier in _SCANNING else ids)

    def matching_ids(self, rtype: str, param: SearchParam, c: Criterion, nested: bool) -> Cond:
        """Subquery of the ids of `rtype` resources with an index value matching any of c's values."""
        kind, mod = param.type, c.modifier
        if mod and mod not in MODIFIERS.get(kind, set()):
            if kind == "reference" and mod in resource_types():
                pass
            else:
                raise SearchParamError(c.raw, f"the modifier ':{mod}' is not valid for {kind} parameter '{c.code}'")
        if kind == "composite":
            return self._composite(rtype, param, c, nested)
        code = param.key  # maybe a composite component with the same values
        if kind == "token" and mod == "of-type":
            code = f"{param.key}:of-type"
        if kind == "reference" and mod == "identifier":
            code, kind = f"{param.code}:identifier", "token"
            mod = ""
        if kind == "token" and mod in TERMINOLOGY_MODIFIERS:
            return self._index_ids(kind, rtype, code, *self._terminology_sql(c), nested)
        wheres, params = [], []
        for value in c.values:
            sql, p = self.value_sql(kind, c.raw, mod if mod != "not" else "", value, param)
            wheres.append(f"({sql})")
            params.extend(p)
        return self._index_ids(kind, rtype, code, " OR ".join(wheres), params, nested)

    def special_ids(self, rtype: str, c: Criterion, nested: bool) -> Cond:
        """Subquery of the ids of `rtype` resources matching `_text`, `_content` or `near` (special.py)."""
        if c.code not in params_for(rtype):
            raise unknown(c.raw, rtype)
        if not c.values or all(v == "" for v in c.values):
            raise malformed(c.raw, "", "a value is required")
        kind = "position" if c.code == special.NEAR else "text"
        match = special.near_match if kind == "position" else special.text_match
        wheres, params = [], []
        for value in c.values:
            sql, p = match(c.raw, "{a}", c.modifier, value)
            wheres.append(f"({sql})")
            params.extend(p)
        return self._index_ids(kind, rtype, c.code, " OR ".join(wheres), params, nested)

    def _terminology_sql(self, c: Criterion) -> tuple[str, list[Any]]:
        """Token rows whose (system, code) lies in the value sets (`:in`, `:not-in`) or the
        hierarchy (`:below`, `:above`) the values name, expanded from stored resources."""
        codes: set[tuple[str, str]] = set()
        for value in c.values:
            try:
                if c.modifier in ("in", "not-in"):
                    codes |= self.terminology.expand(unescape(value))
                    continue
                parts = [unescape(p) for p in split_unescaped(value, "|")]
                if len(parts) != 2 or not parts[0] or not parts[1]:
                    raise malformed(c.raw, value, f"':{c.modifier}' takes system|code")
                codes |= self.terminology.subsumption(parts[0], parts[1], below=c.modifier == "below")
            except TerminologyError as exc:
                raise SearchParamError(c.raw, str(exc)) from exc
        return terminology.codes_sql("{a}", codes)

    def value_sql(self, kind: str, raw: str, mod: str, value: str, param: SearchParam, a: str = "{a}") -> tuple[str, list[Any]]:
        if kind == "string":
            return matchers.string_match(raw, a, mod, value, self.vendor)
        if kind == "token":
            return matchers.token_match(raw, a, mod, value, self.vendor)
        if kind == "date":
            return matchers.date_match(raw, a, value)
        if kind == "number":
            return matchers.number_match(raw, f"{a}.value", value)
        if kind == "quantity":
            return matchers.quantity_match(raw, a, value)
        if kind == "uri":
            return matchers.uri_match(raw, a, mod, value, self.vendor)
        if kind == "reference":
            return self._reference_value(raw, a, mod, value, param)
        raise unsupported(raw, f"{kind} parameters are not supported")

    # --- reference ---------------------------------------------------------------------------------
    def _reference_value(self, raw: str, a: str, mod: str, value: str, param: SearchParam) -> tuple[str, list[Any]]:
        text = unescape(value)
        if text.startswith(self.base_url + "/"):
            text = text[len(self.base_url) + 1 :]
        if "://" in text or text.startswith("urn:"):
            return f"{a}.url = %s", [text.split("|")[0]]
        rtype, rid, _ = split_reference(text) if "/" in text else ("", text, "")
        if mod:
            if rtype and rtype != mod:
                raise malformed(raw, value, f"the reference names {rtype} but the modifier says {mod}")
            rtype = mod
        if not rid:
            raise malformed(raw, value, "expected an id, Type/id or an absolute URL")
        if rtype:
            if rtype not in resource_types():
                raise malformed(raw, value, f"'{rtype}' is not a resource type")
            return f"{a}.target_id = %s AND {a}.target_type = %s", [rid, rtype]
        return f"{a}.target_id = %s", [rid]

    def _chain(self, rtype: str, param: SearchParam, c: Criterion, alias: str) -> Cond:
        if param.type != "reference":
            raise SearchParamError(c.raw, f"'{c.code}' is not a reference parameter, so it cannot be chained")
        if c.modifier and c.modifier not in resource_types():
            raise SearchParamError(c.raw, f"':{c.modifier}' is not a resource type")
        inner_name = c.chain
        head = inner_name.split(".")[0].split(":")[0]
        targets = [c.modifier] if c.modifier else [t for t in param.targets if head in params_for(t) or head in ROW_PARAMS]
        if not targets:
            raise unknown(c.raw, rtype)
        subqueries, params = [], []
        for target in targets:
            inner = parse_name(inner_name, "")
            inner.values, inner.raw = c.values, c.raw
            ids = self.ids_of(target, inner)
            a = self._alias("c")
            tenant = self._tenant_sql(a)
            subqueries.append(
                f"SELECT {a}.resource_id FROM {TABLES['reference']} {a} WHERE {a}.resource_type = %s AND {a}.param = %s"
                f" AND {a}.target_type = %s AND {a}.target_id IN ({ids.sql}){tenant.sql}"
            )
            params.extend([rtype, param.code, target, *ids.params, *tenant.params])
        return Cond(f"{alias}.resource_id IN ({' UNION '.join(subqueries)})", params)

    def ids_of(self, rtype: str, c: Criterion) -> Cond:
        """Subquery of the ids of visible, current `rtype` resources meeting criterion c."""
        r = self._alias("r")
        cond = self.criterion(rtype, c, r, nested=True)
        if cond.probe is not None:
            # Only current, undeleted resources have index rows, and each row carries its
            # resource's tenant (checked in the probe, as nested): the index rows alone answer,
            # without a look-up of every match's resource row.
            return cond.probe
        tenant = self._tenant_sql(r)
        return Cond(
            f"SELECT {r}.resource_id FROM {RESOURCE_TABLE} {r} WHERE {r}.resource_type = %s AND {r}.deleted = %s"
            f" AND {cond.sql}{tenant.sql}",
            [rtype, False, *cond.params, *tenant.params],
        )

    def _has(self, rtype: str, c: Criterion, alias: str, nested: bool) -> Cond:
        assert c.has is not None and c.inner is not None
        other, ref_code = c.has
        if other not in resource_types():
            raise SearchParamError(c.raw, f"'{other}' in '{c.raw}' is not a resource type")
        ref = params_for(other).get(ref_code)
        if ref is None or ref.type != "reference":
            raise SearchParamError(c.raw, f"'{ref_code}' is not a reference parameter of {other}")
        ids = self.ids_of(other, c.inner)
        a = self._alias("h")
        tenant = self._tenant_sql(a)
        return Cond(
            f"{alias}.resource_id IN (SELECT {a}.target_id FROM {TABLES['reference']} {a} WHERE {a}.resource_type = %s"
            f" AND {a}.param = %s AND {a}.target_type = %s AND {a}.resource_id IN ({ids.sql}){tenant.sql})",
            [other, ref_code, rtype, *ids.params, *tenant.params],
        )

    # --- :missing, composite, _id, _lastUpdated ------------------------------------------------------
    def _missing(self, rtype: str, param: SearchParam, c: Criterion, alias: str, nested: bool) -> Cond:
        if len(c.values) != 1 or c.values[0] not in ("true", "false"):
            raise malformed(c.raw, ",".join(c.values), ":missing takes true or false")
        kind = param.type
        if kind == "composite":
            raise SearchParamError(c.raw, ":missing is not supported on composite parameters")
        ids = self._index_ids(kind, rtype, param.key, "1 = 1", [], nested)
        return Cond(f"{alias}.resource_id {'NOT IN' if c.values[0] == 'true' else 'IN'} ({ids.sql})", ids.params)

    def _composite(self, rtype: str, param: SearchParam, c: Criterion, nested: bool) -> Cond:
        subqueries, params = [], []
        for value in c.values:
            parts = split_unescaped(value, "$")
            if len(parts) != len(param.components):
                raise malformed(c.raw, value, f"expected {len(param.components)} components separated by '$'")
            aliases = [self._alias() for _ in parts]
            joins, wheres, p_join, p_where = [], [], [], []
            for i, (comp, part, a) in enumerate(zip(param.components, parts, aliases, strict=True)):
                sql, p = self.value_sql(comp.type, c.raw, "", part, param, a)
                wheres.append(f"({sql})")
                p_where.extend(p)
                if i:
                    joins.append(
                        f" JOIN {TABLES[comp.type]} {a} ON {a}.resource_type = {aliases[0]}.resource_type"
                        f" AND {a}.resource_id = {aliases[0]}.resource_id AND {a}.grp = {aliases[0]}.grp AND {a}.param = %s"
                    )
                    p_join.append(comp.key)  # maybe another composite's component with the same rows
            first = aliases[0]
            tenant = self._tenant_sql(first) if nested else Cond("", [])
            subqueries.append(
                f"SELECT {first}.resource_id FROM {TABLES[param.components[0].type]} {first}{''.join(joins)}"
                f" WHERE {first}.resource_type = %s AND {first}.param = %s AND {' AND '.join(wheres)}{tenant.sql}"
            )
            params.extend([*p_join, rtype, param.components[0].key, *p_where, *tenant.params])
        return Cond(" UNION ".join(subqueries), params)

    def _row_param(self, rtype: str, c: Criterion, alias: str) -> Cond:
        if c.modifier and not (c.code == "_id" and c.modifier == "not"):
            raise SearchParamError(c.raw, f"the modifier ':{c.modifier}' is not supported on {c.code}")
        if not c.values or any(v == "" for v in c.values):
            raise malformed(c.raw, "", "a value is required")
        if c.code == "_id":
            ids = [unescape(v) for v in c.values]
            op = "NOT IN" if c.modifier == "not" else "IN"
            return Cond(f"{alias}.resource_id {op} ({', '.join(['%s'] * len(ids))})", list(ids))
        wheres, params = [], []
        for value in c.values:
            prefix, text = matchers.split_prefix(c.raw, value)
            rng = parse_range(text)
            if rng is None:
                raise malformed(c.raw, value, "expected a date or instant")
            sql, p = self._last_updated(alias, prefix, rng)
            wheres.append(f"({sql})")
            params.extend(p)
        return Cond(f"({' OR '.join(wheres)})", params)

    @staticmethod
    def _last_updated(alias: str, prefix: str, rng: tuple[int, int]) -> tuple[str, list[Any]]:
        """_lastUpdated on the resource row's own column: the instant as a one-point range."""
        col = f"{alias}.last_updated"
        sql, p = matchers.date_range_match(col, col, prefix, (rng[0], rng[1] + 1))
        # The instant column is compared with datetimes; the upper bound is exclusive here.
        sql = sql.replace(f"{col} <= %s", f"{col} < %s").replace(f"{col} > %s", f"{col} >= %s")
        # Through the backend's own adapter, so SQLite compares text in the form Django stored it.
        adapt = connection.ops.adapt_datetimefield_value
        return sql, [adapt(ms_to_datetime(int(v))) if isinstance(v, int) else v for v in p]
