"""An article's text as HTML with its annotations highlighted: nested spans as nested elements,
crossing spans cut into fragments that carry the same id, the label of each span written after
its last fragment (colour is never the only carrier), and one HTML paragraph per line of text, so
two annotations of one text line up paragraph by paragraph (the side-by-side page).

Every character of the text and every value is escaped here (`markupsafe.escape`): the result is
the only HTML the templates take unescaped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from markupsafe import Markup, escape

LAYERS = ("stance", "entity", "event")
"""The layers in nesting order: on the same span, a stance's evidence holds a mention, which holds
a trigger."""

_LINE = re.compile(r"[^\n]*")


@dataclass
class Span:
    """One annotation to highlight: its released id, layer, type (entity or event type, stance
    target), offsets, the label written after it, and extra attributes (name -> value)."""

    id: str
    layer: str
    type: str
    start: int
    end: int
    label: str
    title: str = ""
    attributes: dict[str, str] = field(default_factory=dict)
    badges: list[str] = field(default_factory=list)   # differences written after the label

    def sort_key(self) -> tuple:
        return (self.start, -self.end, LAYERS.index(self.layer), self.id)


@dataclass
class Paragraph:
    start: int
    end: int
    html: Markup


def lines(text: str) -> list[tuple[int, int]]:
    """The (start, end) of every non-empty line of `text`: the paragraphs both sides share."""
    return [(m.start(), m.end()) for m in _LINE.finditer(text) if m.end() > m.start()]


def _open(span: Span, first: bool) -> str:
    attributes = {"class": f"ann {span.layer}", "data-id": span.id, "data-layer": span.layer,
                  "data-type": span.type, **span.attributes}
    if span.title:
        attributes["title"] = span.title
    if first:
        attributes["tabindex"] = "0"
    else:
        attributes["data-part"] = "continued"
    return "<span " + " ".join(f'{name}="{escape(value)}"' for name, value in attributes.items()) + ">"


def _close(span: Span, last: bool) -> str:
    if not last:
        return "</span>"
    badges = "".join(f'<span class="diff-badge">{escape(badge)}</span>' for badge in span.badges)
    return f'<span class="tag">{escape(span.label)}</span>{badges}</span>'


def _paragraph(text: str, start: int, end: int, spans: Sequence[Span], opened: set[str]) -> str:
    """The HTML of text[start:end] with `spans` (each overlapping it), in nesting order; `opened`
    holds the ids already shown (a later fragment is no second stop of the keyboard)."""
    clipped = sorted(spans, key=lambda s: (max(s.start, start), -min(s.end, end), LAYERS.index(s.layer), s.id))
    points = sorted({start, end, *(max(s.start, start) for s in spans), *(min(s.end, end) for s in spans)})
    out: list[str] = []
    stack: list[Span] = []
    position, waiting = start, 0

    def stop(s: Span) -> int:
        return min(s.end, end)

    for point in points:
        if point > position:
            out.append(str(escape(text[position:point])))
            position = point
        while any(stop(s) == point for s in stack):
            reopen = []
            while stack:
                top = stack.pop()
                if stop(top) == point:
                    out.append(_close(top, last=top.end == point))
                    if not any(stop(s) == point for s in stack):
                        break
                else:
                    out.append(_close(top, last=False))
                    reopen.append(top)
            for again in reversed(reopen):
                out.append(_open(again, first=False))
                stack.append(again)
        while waiting < len(clipped) and max(clipped[waiting].start, start) == point:
            span = clipped[waiting]
            out.append(_open(span, first=span.id not in opened))
            opened.add(span.id)
            stack.append(span)
            waiting += 1
        while stack and stack[-1].start == stack[-1].end == point:   # an empty span, closed at once
            out.append(_close(stack.pop(), last=True))
    return "".join(out)


def render(text: str, spans: Iterable[Span]) -> list[Paragraph]:
    """The paragraphs of `text` (its lines) with every span highlighted. A span over a line
    break is cut at it (each part carries the span's id); a span that covers only line breaks is
    shown, empty, at the end of the line before them, so no annotation is ever left out."""
    paragraphs = lines(text) or [(0, 0)]
    placed: list[list[Span]] = [[] for _ in paragraphs]
    for span in sorted(spans, key=Span.sort_key):
        touched = [i for i, (start, end) in enumerate(paragraphs) if span.start < end and span.end > start]
        if not touched:   # only line breaks: the line before (or the first)
            before = [i for i, (_, end) in enumerate(paragraphs) if end <= span.start]
            index = before[-1] if before else 0
            start, end = paragraphs[index]
            span = Span(**{**span.__dict__, "start": end, "end": end}) if span.end > end else span
            touched = [index]
        for index in touched:
            placed[index].append(span)
    opened: set[str] = set()
    return [Paragraph(start, end, Markup(_paragraph(text, start, end, placed[i], opened)))
            for i, (start, end) in enumerate(paragraphs)]
