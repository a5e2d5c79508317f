"""Claim tables as XML documents and back: one document per table, every value a string."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from lxml import etree

from .spec import TableSpec

Row = dict[str, str]


class TableFormatError(ValueError):
    """A table document that does not have the shape its spec requires."""


def table_xml(spec: TableSpec, rows: Sequence[Mapping[str, str]]) -> bytes:
    """Serialise rows in the spec's element order; fields not given are written empty, as the portal expects."""
    root = etree.Element(spec.root)
    if spec.multi_row:
        parent = etree.SubElement(root, spec.list_tag)
        for row in rows:
            _fill(etree.SubElement(parent, spec.row_tag), spec, row)
    else:
        if len(rows) != 1:
            raise TableFormatError(f"{spec.name} holds exactly one record, not {len(rows)}")
        _fill(root, spec, rows[0])
    return etree.tostring(root, xml_declaration=True, encoding="utf-8")


def _fill(element: etree._Element, spec: TableSpec, row: Mapping[str, str]) -> None:
    unknown = set(row) - set(spec.fields)
    if unknown:
        raise TableFormatError(f"{spec.name} has no field {', '.join(sorted(unknown))}")
    for name in spec.fields:
        value = row.get(name, "")
        if not isinstance(value, str):
            raise TableFormatError(f"{spec.name}.{name} must be a string, not {type(value).__name__}")
        etree.SubElement(element, name).text = value


def parse_table(spec: TableSpec, document: bytes) -> list[Row]:
    try:
        root = etree.fromstring(document, parser=etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError as exc:
        raise TableFormatError(f"{spec.name} is not well-formed XML: {exc}") from exc
    if root.tag != spec.root:
        raise TableFormatError(f"{spec.name} must have root <{spec.root}>, not <{root.tag}>")
    if spec.multi_row:
        parent = root.find(spec.list_tag)
        records = [] if parent is None else parent.findall(spec.row_tag)
    else:
        records = [root]
    return [{child.tag: child.text or "" for child in record if isinstance(child.tag, str)} for record in records]
