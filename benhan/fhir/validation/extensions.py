"""Extensions defined in the R4 package: the value[x] type each one takes, and its required codes.

``Extension.url`` values the package does not define (benhan's own, a national IG's) are only
checked structurally; for the 393 it does define, a wrong value type is an error, e.g.
``patient-birthTime`` given as ``valueDate`` instead of ``valueDateTime``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..errors import Issue

Check = Callable[[dict[str, Any], str, list[Issue]], None]


class ValueRule:
    """What value[x] one extension (or one nested part of a complex extension) may carry."""

    __slots__ = ("keys", "codes", "value_set", "parts")

    def __init__(self, spec: dict[str, Any], valuesets: dict[str, dict[str, list[str]]]) -> None:
        self.keys = frozenset("value" + t[0].upper() + t[1:] for t in spec["t"])  # empty: takes no value
        self.value_set: str | None = spec.get("b") if spec.get("b") in valuesets else None
        self.codes = (frozenset(c for codes in valuesets[self.value_set].values() for c in codes)
                      if self.value_set else None)
        self.parts = {url: ValueRule(part, valuesets) for url, part in spec.get("parts", {}).items()}


def _value_key(obj: dict[str, Any]) -> str | None:
    for key in obj:
        if key.startswith("value"):
            return key
    return None


def _check_value(url: str, rule: ValueRule, obj: dict[str, Any], path: str, issues: list[Issue],
                 steps: dict[str, str]) -> None:
    key = _value_key(obj)
    if key is None:
        return
    # Located like the walker locates it: Patient.extension[0].value.ofType(dateTime)
    at = f"{path}.{steps.get(key, key)}"
    if not rule.keys:
        issues.append(Issue("structure", f"the extension {url} has nested extensions, not a value", (at,)))
    elif key not in rule.keys:
        allowed = " or ".join(sorted(rule.keys)) if len(rule.keys) <= 4 else "another value type"
        issues.append(Issue("structure", f"the extension {url} takes {allowed}, not {key}", (at,)))
    elif rule.codes is not None:
        code = obj[key]
        if type(code) is str and code not in rule.codes:
            issues.append(Issue("code-invalid", f"'{code}' is not in the required value set {rule.value_set}", (at,)))


def extension_check(rules: dict[str, ValueRule], steps: dict[str, str]) -> Check:
    """The Node check for Extension: value types of known extensions and of their known parts.

    ``steps`` maps Extension's JSON keys to their FHIRPath steps ("valueCode" -> "value.ofType(code)").
    """

    def check(obj: dict[str, Any], path: str, issues: list[Issue]) -> None:
        url = obj.get("url")
        rule = rules.get(url) if type(url) is str else None
        if rule is None:
            return
        assert type(url) is str
        _check_value(url, rule, obj, path, issues, steps)
        parts = obj.get("extension")
        if rule.parts and type(parts) is list:
            for i, part in enumerate(parts):
                if type(part) is dict:
                    sub = part.get("url")
                    part_rule = rule.parts.get(sub) if type(sub) is str else None
                    if part_rule is not None:
                        _check_value(f"{url}#{sub}", part_rule, part, f"{path}.extension[{i}]", issues, steps)

    return check


def compile_rules(raw: dict[str, Any], valuesets: dict[str, dict[str, list[str]]]) -> dict[str, ValueRule]:
    return {url: ValueRule(spec, valuesets) for url, spec in raw.items()}
