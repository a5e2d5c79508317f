"""What resource type a Reference.reference string points at, when the string itself can tell."""

from __future__ import annotations

import re

# Type/id, Type/id/_history/vid, optionally after a base URL; a conditional reference Type?query
# (allowed in transactions) names its type the same way.
_LITERAL = re.compile(
    r"(?:https?://[^\s?#]+/)?(?P<type>[A-Z][A-Za-z]+)"
    r"(?:/(?P<id>[A-Za-z0-9\-.]{1,64})(?:/_history/[A-Za-z0-9\-.]{1,64})?|\?\S*)",
    re.ASCII,
)
# As the uuid and oid primitive types define them (a uuid in lower case).
_URN = re.compile(r"urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|urn:oid:[0-2](\.(0|[1-9][0-9]*))+",
                  re.ASCII)
_RELATIVE_SHAPE = re.compile(r"[A-Za-z]+/[^/]+(?:/_history/[^/]+)?", re.ASCII)


class Target:
    """The parsed reference: ``type`` is None when only a Bundle or the server could resolve it."""

    __slots__ = ("type", "local_id", "problem")

    def __init__(self, type_: str | None = None, local_id: str | None = None, problem: str | None = None):
        self.type = type_
        self.local_id = local_id  # "#x" -> "x", "#" -> "" (the containing resource)
        self.problem = problem


def parse_reference(reference: str, bundle_urls: dict[str, str] | None) -> Target:
    if reference.startswith("#"):
        return Target(local_id=reference[1:])
    if reference.startswith(("urn:uuid:", "urn:oid:")):
        if _URN.fullmatch(reference) is None:
            return Target(problem=f"'{reference}' is not a valid urn:uuid: or urn:oid:")
        return Target(bundle_urls.get(reference) if bundle_urls else None)
    if bundle_urls and reference in bundle_urls:
        return Target(bundle_urls[reference])
    match = _LITERAL.fullmatch(reference)
    if match is not None:
        return Target(match.group("type"))
    if "://" in reference:
        return Target()  # an absolute URL to something that is not a FHIR REST path: cannot tell
    if _RELATIVE_SHAPE.fullmatch(reference):
        return Target(problem=f"'{reference}' is not a valid relative reference (Type/id, id of 1-64 letters, digits, '-' or '.')")
    return Target(problem=f"'{reference}' is not a valid reference (expected Type/id, an absolute URL, urn:uuid: or #id)")


def describe_targets(targets: frozenset[str]) -> str:
    names = sorted(targets)
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]
