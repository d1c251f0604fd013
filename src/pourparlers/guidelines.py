"""GUIDELINES.md as data: general rules, and examples that each name the article they quote.

An example is a list item that opens with the id of its article in brackets,
`- [pp-0123456789ab] …`, and runs to the next blank line, list item or heading. That form lets
`hold_out` render the guidelines for a blind annotator of one article: every example drawn
from it is removed, an example of another article that happens to quote it too is dropped, a
generated label-table cell that quotes it is withheld, and what is left is checked to hold no
stretch of `WINDOW` characters of its text. Agreement measured with such a rendering measures
how the general rules carry to a text they never saw, not how well an annotator looks up the
answer.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from pourparlers import atomic
from pourparlers.errors import PourparlersError
from pourparlers.repo import Repo

WINDOW = 20
"""A stretch of this many characters of an article left in its held-out rendering is a leak."""

MARKER = re.compile(r"\[(pp-[0-9a-f]{12})\]")
EXAMPLE = re.compile(r"(?P<indent> *)- (?P<markers>(?:\[pp-[0-9a-f]{12}\])+)(?: |$)")
LIST_ITEM = re.compile(r" *(?:[-*+]|\d+\.) ")
GENERATED = re.compile(r"<!-- BEGIN GENERATED (\w+) -->\n(.*?)<!-- END GENERATED \1 -->\n?", re.DOTALL)
BLANK_RUN = re.compile(r"\n{3,}")
CELL_SEPARATOR = re.compile(r"(?<!\\)\|")
WITHHELD = "(withheld in this rendering)"
HEADER = "<!-- pourparlers guidelines held out for "
"""The first line of every rendering: `write_held_out` replaces only a file that starts so."""

# Folded comparison: case, apostrophes, dashes and spacing do not hide a quotation, nor do the
# quotation marks and Markdown emphasis around or inside it.
_APOSTROPHES = "’‘ʼ′´"
_QUOTES = "«»“”„‟‹›\""
_DASHES = "‐‑‒–—―−"
_DROPPED = set(_QUOTES) | {"*", "`"}


class GuidelinesError(PourparlersError):
    """GUIDELINES.md cannot be rendered as asked."""

    code = "guidelines-invalid"


@dataclass(frozen=True)
class Example:
    """One example of GUIDELINES.md: the articles it names, its lines (0-based, end exclusive)."""

    articles: tuple[str, ...]
    start: int
    end: int
    text: str

    @property
    def line(self) -> int:
        """Its first line, 1-based, as an editor shows it."""
        return self.start + 1


@dataclass(frozen=True)
class Leak:
    """A stretch of the rendering that is also in the article: where it is and what it says."""

    line: int
    text: str


@dataclass(frozen=True)
class HeldOut:
    """The guidelines rendered for a blind annotator of `articles`."""

    articles: tuple[str, ...]
    text: str
    removed: tuple[Example, ...]     # examples drawn from a held-out article
    dropped: tuple[Example, ...]     # examples of other articles that quote a held-out one too
    withheld: tuple[str, ...]        # generated table cells that quote a held-out article

    @property
    def chars(self) -> int:
        return len(self.text)


def examples(text: str, source: str = "GUIDELINES.md") -> list[Example]:
    """Every example of the guidelines `text`, in order.

    A marker anywhere but at the opening of a list item is refused: an example a program cannot
    find is one a held-out rendering would leak.
    """
    lines = text.splitlines(keepends=True)
    found: list[Example] = []
    index = 0
    while index < len(lines):
        opening = EXAMPLE.match(lines[index])
        stray = MARKER.search(lines[index], opening.end() if opening else 0)
        if stray:
            raise GuidelinesError(
                f"{source}:{index + 1}: the marker {stray.group()} is not at the opening of an "
                "example list item", "an example is a list item that opens with its article ids: "
                "`- [pp-0123456789ab] …`; other text quotes no article")
        if not opening:
            index += 1
            continue
        end = index + 1
        indent = len(opening.group("indent"))
        while end < len(lines) and _continues(lines[end], indent):
            stray = MARKER.search(lines[end])
            if stray:
                raise GuidelinesError(f"{source}:{end + 1}: the marker {stray.group()} is inside "
                                      f"the example that opens on line {index + 1}",
                                      "give each example its own list item")
            end += 1
        if end < len(lines) and not _ends_an_item(lines[end]):
            raise GuidelinesError(f"{source}:{end + 1}: this line continues the example that opens "
                                  f"on line {index + 1} without being indented under it",
                                  "indent an example's continuation lines under its opening, and "
                                  "leave a blank line before the text that follows it")
        articles = tuple(MARKER.findall(opening.group("markers")))
        found.append(Example(articles, index, end, "".join(lines[index:end])))
        index = end
    return found


def _ends_an_item(line: str) -> bool:
    """Whether `line` may follow a list item without Markdown joining it to the item."""
    return not line.strip() or line.lstrip().startswith("#") or bool(LIST_ITEM.match(line))


def _continues(line: str, indent: int) -> bool:
    """Whether `line` continues a list item indented by `indent` spaces."""
    return not _ends_an_item(line) and len(line) - len(line.lstrip(" ")) > indent


def fold(text: str) -> tuple[str, list[int]]:
    """`text` folded for comparison, with the index in `text` of each folded character."""
    out: list[str] = []
    where: list[int] = []
    space = True   # leading whitespace is dropped, runs become one space
    for index, char in enumerate(text):
        if char in _DROPPED:
            continue
        if char.isspace():
            if not space:
                out.append(" ")
                where.append(index)
            space = True
            continue
        space = False
        char = "'" if char in _APOSTROPHES else "-" if char in _DASHES else char.lower()
        out.extend(char)
        where.extend([index] * len(char))
    return "".join(out), where


def _literal(text: str) -> tuple[str, list[int]]:
    return text, list(range(len(text)))


def leaks(rendered: str, article: str, window: int = WINDOW) -> list[Leak]:
    """Every stretch of `rendered` that shares `window` characters in a row with `article`,
    literally or once folded (`fold`), merged into maximal stretches (both texts in NFC).

    All windows of the article go into a set, and each window of `rendered` is looked up:
    linear in both texts.
    """
    rendered, article = (unicodedata.normalize("NFC", text) for text in (rendered, article))
    spans: list[tuple[int, int]] = []
    for view in (_literal, fold):
        source, _ = view(article)
        grams = {source[i:i + window] for i in range(len(source) - window + 1)}
        target, where = view(rendered)
        spans += [(where[i], where[i + window - 1] + 1) for i in range(len(target) - window + 1)
                  if target[i:i + window] in grams]
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [Leak(rendered.count("\n", 0, start) + 1, rendered[start:end]) for start, end in merged]


def article_texts(repo: Repo) -> dict[str, str]:
    """The annotated text of every article of raw/, by id (raw/ read and checked as `validate`
    reads it; an article with a problem is refused, since its text could not be trusted)."""
    from pourparlers.errors import InvalidData
    from pourparlers.raw import load_articles

    table, problems = load_articles(repo)
    if problems:
        raise InvalidData(problems, "the articles of raw/ must read cleanly before their "
                                    "examples can be held out: run `pourparlers validate`")
    return dict(zip(table.column("article_id").to_pylist(), table.column("text").to_pylist(),
                    strict=True))


def full_text(repo: Repo) -> str:
    """GUIDELINES.md with its label tables refilled from schema/ (what `pourparlers schema`
    writes), so a rendering never shows stale labels."""
    from pourparlers.generated import guidelines_with_tables

    try:
        current = repo.guidelines.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise GuidelinesError(f"{repo.relative(repo.guidelines)}: cannot be read ({error})",
                              "restore GUIDELINES.md from git") from None
    return guidelines_with_tables(current, repo.taxonomy())


def check_markers(found: Sequence[Example], articles: Sequence[str], source: str) -> None:
    """Refuse an example that names an article raw/ does not hold (a typo would make it
    impossible to hold out)."""
    known = set(articles)
    unknown = [(example.line, article) for example in found for article in example.articles
               if article not in known]
    if unknown:
        listed = ", ".join(f"line {line}: {article}" for line, article in unknown)
        raise GuidelinesError(f"{source}: example marker(s) naming no article of raw/: {listed}",
                              "an example names the id of the article it quotes "
                              "(raw/<article_id>.txt)")


def hold_out(repo: Repo, article_ids: Sequence[str]) -> HeldOut:
    """The guidelines with every example drawn from `article_ids` removed, checked to hold no
    `WINDOW`-character stretch of their texts (a `guidelines-leak` error names what is left)."""
    source = repo.relative(repo.guidelines)
    full = full_text(repo)
    texts = article_texts(repo)
    held = tuple(dict.fromkeys(article_ids))
    unknown = [article for article in held if article not in texts]
    if unknown or not held:
        listed = ", ".join(sorted(texts)[:10]) + (" …" if len(texts) > 10 else "")
        raise GuidelinesError(f"no article {', '.join(map(repr, unknown))} in raw/" if unknown
                              else "no article to hold out",
                              f"hold out an article of raw/ ({listed})",
                              code="guidelines-article-unknown")
    found = examples(full, source)
    check_markers(found, list(texts), source)
    held_texts = [texts[article] for article in held]

    removed = [example for example in found if set(example.articles) & set(held)]
    dropped = [example for example in found if example not in removed
               and any(leaks(example.text, text) for text in held_texts)]
    cut = {line for example in (*removed, *dropped) for line in range(example.start, example.end)}
    kept = cut_lines(full, cut)
    kept, withheld = _withhold_cells(kept, held_texts)
    text = (f"{HEADER}{', '.join(held)}: `pourparlers guidelines --holding-out` removed every "
            f"example quoting {'them' if len(held) > 1 else 'it'} and checked that no "
            f"{WINDOW}-character stretch of {'their texts' if len(held) > 1 else 'its text'} "
            "is left -->\n" + kept)
    left = [(article, leak) for article, article_text in zip(held, held_texts, strict=True)
            for leak in leaks(text, article_text)]
    if left:
        listed = "; ".join(f"line {leak.line} of the rendering: {leak.text!r} (from {article})"
                           for article, leak in left[:10])
        raise GuidelinesError(
            f"{len(left)} stretch(es) of the held-out article left in text that is no example: "
            f"{listed}", "reword the general text so it quotes no article over "
            f"{WINDOW - 1} characters, or move the quotation into an example "
            "(`- [pp-0123456789ab] …`)", code="guidelines-leak")
    return HeldOut(held, text, tuple(removed), tuple(dropped), tuple(withheld))


def cut_lines(text: str, cut: set[int]) -> str:
    """`text` without the lines numbered in `cut` (0-based); the blank lines around a run of
    examples that is cut whole become one."""
    kept = "".join(line for index, line in enumerate(text.splitlines(keepends=True))
                   if index not in cut)
    return BLANK_RUN.sub("\n\n", kept)


def _withhold_cells(text: str, held_texts: Sequence[str]) -> tuple[str, list[str]]:
    """The generated label tables with every cell that quotes a held-out article replaced by
    `WITHHELD`; the cells, as `block row column`. The tables come from schema/taxonomy.yaml,
    which a rendering must not edit, and a row keeps its other language."""
    withheld: list[str] = []

    def block(match: re.Match) -> str:
        rows = match.group(2).splitlines(keepends=True)
        header = [cell.strip() for cell in CELL_SEPARATOR.split(rows[0])[1:-1]] if rows else []
        for number, row in enumerate(rows[2:], start=2):
            cells = CELL_SEPARATOR.split(row.rstrip("\n"))
            for column in range(1, len(cells) - 1):
                if any(leaks(cells[column], held) for held in held_texts):
                    name = header[column - 1] if column - 1 < len(header) else str(column)
                    withheld.append(f"{match.group(1)} {cells[1].strip()} {name}")
                    cells[column] = f" {WITHHELD} "
            rows[number] = "|".join(cells) + "\n"
        return match.group(0).replace(match.group(2), "".join(rows), 1)

    return GENERATED.sub(block, text), withheld


def write_held_out(repo: Repo, article_ids: Sequence[str], out: Path) -> HeldOut:
    """`hold_out`, written atomically to `out`; an existing file is replaced only when it is a
    rendering (its first line says so), never a file this command did not make."""
    rendering = hold_out(repo, article_ids)
    out = Path(out)
    hint = "name a new file (or a previous rendering) in a writable folder with --out"
    if out.is_dir():
        raise GuidelinesError(f"{out} is a folder", hint, code="output-unwritable")
    if out.exists() or out.is_symlink():
        try:
            with open(out, encoding="utf-8") as handle:
                first = handle.readline()
        except (OSError, UnicodeDecodeError):
            first = ""
        if out.is_symlink() or not first.startswith(HEADER):
            raise GuidelinesError(f"{out} exists and is not a held-out rendering: it is left as it is",
                                  hint, code="output-unwritable")
    try:
        atomic.write_text(out, rendering.text)
    except OSError as error:
        raise GuidelinesError(f"{out} cannot be written ({error.strerror or error})", hint,
                              code="output-unwritable") from None
    return rendering
