"""Read a script file safely and check it against Caruso's own DTD.

- lxml with entity resolution, DTD loading and network access off: no XXE, no billion laughs;
  any entity declaration or reference is an error.
- Caruso's DTD is used whatever DOCTYPE the file declares.
- Every problem is reported as a Problem (file, line, column, message), all at once.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from lxml import etree

from caruso import paths
from caruso.script.errors import Problem, ScriptLoadError

DTD_FILE = "caruso-script.dtd"
_COMMENT = re.compile(r"<!--.*?-->|<!\[CDATA\[.*?\]\]>|<!DOCTYPE[^\[>]*(\[.*?\]\s*)?>", re.S)


@lru_cache(maxsize=1)
def script_dtd() -> etree.DTD:
    return etree.DTD(str(paths.dtd(DTD_FILE)))


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
                           huge_tree=False, remove_blank_text=False, collect_ids=False)


@dataclass
class Source:
    """A parsed file and a way to find where each element and attribute starts."""

    file: str
    data: bytes
    root: etree._Element
    _text: str | None = None  # the decoded file, made when a position is first asked for
    # offset, line and column of each element: worked out when a position is first asked for (errors),
    # so loading a valid script costs no position work at all
    _index: dict[etree._Element, tuple[int, int, int]] | None = None
    _line_starts: list[int] | None = None  # computed when first needed (errors, attribute positions)

    @property
    def text(self) -> str:
        if self._text is None:
            encoding = self.root.getroottree().docinfo.encoding or "utf-8"
            self._text = self.data.decode(encoding, errors="replace")
        return self._text

    @property
    def _elements(self) -> dict[etree._Element, tuple[int, int, int]]:
        if self._index is None:
            self._index = _index_elements(self.text, self.root)
        return self._index

    def offset_to_pos(self, offset: int) -> tuple[int, int]:
        if self._line_starts is None:
            self._line_starts = [0] + [m.end() for m in re.finditer("\n", self.text)]
        line = bisect.bisect_right(self._line_starts, offset)
        return line, offset - self._line_starts[line - 1] + 1

    def where(self, el: object, attr: str | None = None, inside: int = 0) -> tuple[int, int]:
        """Line and column of *el*'s start tag, of its attribute *attr*'s value (+ *inside* chars).
        *el* is an element of this file (the ``at`` handle of a model part)."""
        found = self._elements.get(el)  # type: ignore[call-overload]
        if found is None:
            return (getattr(el, "sourceline", None) or 1), 1
        start, line, column = found
        if attr is not None:
            m = re.compile(r"\s" + re.escape(attr) + r"\s*=\s*[\"']").search(self.text, start)
            if m is not None:
                return self.offset_to_pos(self._raw(m.end(), inside))
        return line, column

    def text_where(self, el: etree._Element, inside: int = 0) -> tuple[int, int]:
        """Position of character *inside* of *el*'s text (for templates in element content)."""
        found = self._elements.get(el)
        if found is None:
            return (el.sourceline or 1), 1
        gt = self.text.find(">", found[0])
        return self.offset_to_pos(self._raw(gt + 1, inside))

    def _raw(self, start: int, decoded: int) -> int:
        """Offset in the file of the *decoded*-th character of the value or text starting at *start*
        (``&gt;`` and other references are one character once parsed)."""
        pos = start
        for _ in range(decoded):
            if self.text.startswith("&", pos):
                end = self.text.find(";", pos)
                pos = end + 1 if end > 0 else pos + 1
            else:
                pos += 1
        return pos


_START_TAG = re.compile(r"<([A-Za-z_][\w.\-]*)(?=[\s/>])")


def _index_elements(text: str, root: etree._Element) -> dict[etree._Element, tuple[int, int, int]]:
    """Offset, line and column of each element's start tag.  Start tags appear in document order, so one
    scan pairs them up (comments, CDATA and the DOCTYPE are blanked first, keeping offsets)."""
    masked = _COMMENT.sub(lambda m: " " * len(m.group()), text) if "<!" in text else text
    found: dict[etree._Element, tuple[int, int, int]] = {}
    tags = _START_TAG.finditer(masked)
    line, line_start, scanned = 1, 0, 0
    for el in root.iter(etree.Element):
        m = next(tags, None)
        if m is None or m.group(1) != el.tag:
            break  # unexpected (entities expanding to markup are refused anyway): positions fall back to lines
        start = m.start()
        newlines = text.count("\n", scanned, start)
        if newlines:
            line += newlines
            line_start = text.rfind("\n", scanned, start) + 1
        scanned = start
        found[el] = (start, line, start - line_start + 1)
    return found


def read_source(path: str | Path, data: bytes | None = None) -> Source:
    """Parse and DTD-validate; raise ScriptLoadError with every problem found."""
    file = str(path)
    if data is None:
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            raise ScriptLoadError([Problem(file, 1, 1, f"cannot read the file: {exc.strerror or exc}")]) from exc
    parser = _parser()  # its own error log: libxml2's global log also holds other files' errors
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        problems = [Problem(file, e.line or 1, max(e.column, 1), e.message.strip())
                    for e in parser.error_log if e.level_name in ("ERROR", "FATAL")]
        if not problems:
            line, col = exc.position if exc.position else (1, 1)
            problems = [Problem(file, line or 1, col or 1, str(exc))]
        raise ScriptLoadError(problems[:1] if len(problems) > 20 else problems) from exc
    source = Source(file, data, root)
    problems = _entity_problems(source)
    if problems:
        raise ScriptLoadError(problems)
    dtd = script_dtd()
    if not dtd.validate(root):
        by_line: dict[int, etree._Element] = {}
        for el in root.iter(etree.Element):
            by_line.setdefault(el.sourceline or 0, el)
        for err in dtd.error_log.filter_from_errors():
            el = by_line.get(err.line)
            line, col = source.where(el) if el is not None else (err.line or 1, 1)
            problems.append(Problem(file, line, col, _dtd_message(err.message)))
        raise ScriptLoadError(problems)
    return source


def _entity_problems(source: Source) -> list[Problem]:
    problems = []
    docinfo = source.root.getroottree().docinfo
    dtd = docinfo.internalDTD
    if dtd is not None:
        for ent in dtd.iterentities():
            at = source.text.find(f"<!ENTITY {ent.name}")
            line, col = source.offset_to_pos(at) if at >= 0 else (1, 1)
            problems.append(Problem(source.file, line, col,
                                    f"entity declaration {ent.name!r} is not allowed in a script"))
    for node in source.root.iter(etree.Entity):
        at = source.text.find(f"&{node.name};")
        line, col = source.offset_to_pos(at) if at >= 0 else (node.sourceline or 1, 1)
        problems.append(Problem(source.file, line, col, f"entity reference &{node.name}; is not allowed"))
    return problems


def _dtd_message(message: str) -> str:
    return message.replace("Element ", "element ").replace(" : ", ": ").strip()
