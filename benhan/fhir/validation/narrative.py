"""Narrative XHTML (Narrative.div): well-formed, namespaced, only the elements R4 allows (txt-1, txt-2).

Narratives are shown to clinicians and patients in the browser, so this is also where scripts,
event handlers, forms, frames and ``javascript:`` links are stopped. The element and attribute
lists are those the FHIR reference validator applies for txt-1.
"""

from __future__ import annotations

from xml.parsers import expat

XHTML = "http://www.w3.org/1999/xhtml"
ELEMENTS = frozenset({
    "p", "br", "div", "h1", "h2", "h3", "h4", "h5", "h6", "a", "span", "b", "em", "i", "strong", "small", "big",
    "tt", "dfn", "q", "var", "abbr", "acronym", "cite", "blockquote", "hr", "address", "bdo", "kbd", "sub", "sup",
    "ul", "ol", "li", "dl", "dt", "dd", "pre", "table", "caption", "colgroup", "col", "thead", "tr", "tfoot",
    "tbody", "th", "td", "code", "samp", "img", "map", "area",
})
ATTRIBUTES = frozenset({
    "title", "style", "class", "id", "lang", "xml:lang", "dir", "accesskey", "tabindex",
    "span", "width", "align", "valign", "char", "charoff", "abbr", "axis", "headers", "scope", "rowspan", "colspan",
})
ELEMENT_ATTRIBUTES = frozenset({
    "a.href", "a.name", "a.charset", "a.type", "a.hreflang", "a.rel", "a.rev", "a.shape", "a.coords",
    "img.src", "img.border", "img.alt", "img.longdesc", "img.height", "img.width", "img.usemap", "img.ismap",
    "div.xmlns", "blockquote.cite", "q.cite", "map.name", "area.shape", "area.coords", "area.href", "area.nohref",
    "area.alt", "table.summary", "table.width", "table.border", "table.frame", "table.rules", "table.cellspacing",
    "table.cellpadding", "pre.space", "td.nowrap", "ol.start", "ol.type", "ul.type", "li.value",
})
_SCRIPT_SCHEMES = ("javascript:", "vbscript:", "data:text/html")


class _Refused(Exception):
    pass


class _Checker:
    def __init__(self) -> None:
        self.depth = 0
        self.has_content = False

    def start(self, name: str, attributes: dict[str, str]) -> None:
        if self.depth == 0 and (name != "div" or attributes.get("xmlns") != XHTML):
            raise _Refused(f'narrative must be one <div xmlns="{XHTML}"> element')
        self.depth += 1
        if name not in ELEMENTS:
            raise _Refused(f"txt-1: <{name}> is not allowed in narrative XHTML")
        for attribute, value in attributes.items():
            if not (attribute.startswith("xmlns") or attribute in ATTRIBUTES
                    or f"{name}.{attribute}" in ELEMENT_ATTRIBUTES):
                raise _Refused(f"txt-1: the attribute {attribute} of <{name}> is not allowed in narrative XHTML")
            if attribute in ("href", "src") and value.strip().lower().startswith(_SCRIPT_SCHEMES):
                raise _Refused(f"txt-1: <{name} {attribute}> cannot run a script")
        if name == "img":
            self.has_content = True

    def end(self, name: str) -> None:
        self.depth -= 1

    def text(self, data: str) -> None:
        if not self.has_content and not data.isspace():
            self.has_content = True


def check_div(value: object) -> str | None:
    """None when ``value`` is an acceptable Narrative.div, else the reason."""
    if type(value) is not str:
        return f"{value!r} must be a JSON string (xhtml)"
    checker = _Checker()
    parser = expat.ParserCreate()
    parser.StartElementHandler = checker.start
    parser.EndElementHandler = checker.end
    parser.CharacterDataHandler = checker.text
    try:
        parser.Parse(value, True)
    except _Refused as refused:
        return str(refused)
    except expat.ExpatError as exc:
        return f"narrative is not well-formed XHTML: {expat.ErrorString(exc.code)} at line {exc.lineno}"
    if not checker.has_content:
        return "txt-2: the narrative has no text"
    return None
