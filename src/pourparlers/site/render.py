"""The pages of the site, written from a release one article at a time: the article pages (gold
annotations), the side-by-side pages (gold against each other annotation), the actor pages and
the corpus page with its figures. Jinja2 renders them with autoescape on: every value from the
data is escaped; the only markup taken as it is comes from `text.render`, which escapes too."""

from __future__ import annotations

from collections import Counter, defaultdict
from functools import cache
from pathlib import Path

from jinja2 import Environment, PackageLoader, StrictUndefined

from pourparlers.build.features import CONFIGS, SPLITS
from pourparlers.site import plots
from pourparlers.site.assets import polarity_colours
from pourparlers.site.compare import Pair, pairs_of, summary
from pourparlers.site.corpus import Corpus, config_counts, label_counts
from pourparlers.site.model import Labels, details_of, spans_of, type_counts
from pourparlers.site.text import Span, render


@cache
def environment() -> Environment:
    return Environment(loader=PackageLoader("pourparlers.site", "templates"), autoescape=True,
                       undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)


def _write(path: Path, template: str, **values) -> None:
    path.write_text(environment().get_template(template).render(**values), encoding="utf-8")


def _pair_label(pair: Pair) -> str:
    return pair.other["id"].split(":", 1)[1]


def write_pages(reader, folder: Path, labels: Labels, common: dict) -> dict[str, int]:
    """Every page of the site into `folder`; returns what was written, counted."""
    for name in ("articles", "actors", "compare", "plots"):
        (folder / name).mkdir()
    pairs, pooled = pairs_of(reader.folder)
    compare_of: dict[str, list[dict]] = defaultdict(list)
    for pair in pairs:
        compare_of[pair.article_id].append({"name": pair.name, "label": _pair_label(pair)})
    corpus = Corpus()
    texts: dict[str, dict] = {}
    wanted = {pair.article_id for pair in pairs}
    for split in reader.splits("documents"):
        for rows in reader.rows("documents", split):
            for document in rows:
                _article_page(folder, document, split, labels, common, compare_of.get(document["id"], []))
                corpus.add(document, split, document["id"])
                if document["id"] in wanted:
                    texts[document["id"]] = {key: value for key, value in document.items()
                                             if key not in ("entities", "events", "stances")}
    for pair in pairs:
        _compare_page(folder, pair, texts[pair.article_id], labels, common)
    actors = _actor_pages(folder, corpus, labels, common)
    _corpus_page(reader, folder, corpus, labels, common, pairs, pooled, compare_of, actors)
    return {"article pages": len(corpus.articles), "side-by-side pages": len(pairs), "actor pages": len(actors),
            "figures": 2}


def _article_page(folder: Path, document: dict, split: str, labels: Labels, common: dict,
                  compare_pages: list[dict]) -> None:
    spans = spans_of(document, labels)
    items = details_of(document, labels, "../")
    mentioned = Counter(entity["canonical_id"] for entity in document["entities"] if entity["canonical_id"])
    _write(folder / "articles" / f"{document['id']}.html", "article.html.j2", **common, root="../",
           article=document, split=split, paragraphs=render(document["text"], spans), counts=type_counts(spans),
           items=items, labels=labels, compare_pages=compare_pages,
           events=[item for item in items if item["layer"] == "event"],
           stances=[item for item in items if item["layer"] == "stance"],
           actors=[(labels.actor(actor, "../"), n) for actor, n in sorted(mentioned.items(),
                                                                           key=lambda item: (-item[1], item[0]))])


def _marked(spans: list[Span], differences: list[dict], side: str) -> list[Span]:
    """`spans` with the differences of `side` ("a" or "b") marked on the regions they concern."""
    kinds: dict[str, list[str]] = defaultdict(list)
    for difference in differences:
        region = difference[f"{side}_id"]
        if region is None:
            continue
        prefix = "argument " if difference["layer"] == "argument" else ""
        for kind in difference["kinds"]:
            if f"{prefix}{kind}" not in kinds[region]:
                kinds[region].append(f"{prefix}{kind}")
    for span in spans:
        if span.id in kinds:
            span.badges = [f"≠ {kind}" for kind in kinds[span.id]]
            span.attributes["data-diff"] = " ".join(kinds[span.id])
    return spans


def _describe(side: dict | None) -> str:
    """One line for a region of a disagreement (the CLI's table says the same)."""
    if side is None:
        return ""
    if "filler" in side:
        trigger, filler = side["trigger"] or {}, side["filler"] or {}
        return (f"«{trigger.get('text', '?')}» −{side['role']}→ «{filler.get('text', '?')}» "
                f"{filler.get('start', '?')}–{filler.get('end', '?')}")
    if "holder" in side:
        return f"{side['holder']} / {side['target']} / {side['polarity']} / {side['attribution']}: «{side['text']}»"
    extra = f" {side['realis']}" if "realis" in side else ""
    return f"{side['type']}{extra} «{side['text']}» {side['start']}–{side['end']}"


def _compare_page(folder: Path, pair: Pair, article: dict, labels: Labels, common: dict) -> None:
    differences = [{**d, "a_text": _describe(d["a"]), "b_text": _describe(d["b"])} for d in pair.differences()]
    left = render(article["text"], _marked(spans_of(pair.gold, labels), differences, "a"))
    right = render(article["text"], _marked(spans_of(pair.other, labels), differences, "b"))
    _write(folder / "compare" / f"{pair.name}.html", "compare.html.j2", **common, root="../", article=article,
           pair=pair, figures=pair.figures(), differences=differences, rows=list(zip(left, right, strict=True)))


def _actor_pages(folder: Path, corpus: Corpus, labels: Labels, common: dict) -> list[dict]:
    polarities = list(labels.taxonomy.polarity_signs.items())
    out = []
    for canonical_id, actor in sorted(labels.actors.items(), key=lambda item: (item[1]["name"], item[0])):
        stances = corpus.stances.get(canonical_id, [])
        matrix: dict[str, Counter] = defaultdict(Counter)
        for stance in stances:
            matrix[stance["target"]][stance["polarity"]] += 1
        roles = corpus.events.get(canonical_id, {})
        events = sorted(roles.items())
        event_count = sum(len(items) for items in roles.values())
        mentions = corpus.mentions.get(canonical_id, [])
        _write(folder / "actors" / f"{labels.actor_files[canonical_id]}.html", "actor.html.j2", **common,
               root="../", actor=actor, stances=stances, polarities=polarities, sign_of=dict(polarities),
               matrix=sorted(matrix.items()), events=events, event_count=event_count, mentions=mentions)
        out.append({**labels.actor(canonical_id, ""), "type": actor["type"], "mentions": len(mentions),
                    "stances": len(stances), "events": event_count})
    return out


def _corpus_page(reader, folder: Path, corpus: Corpus, labels: Labels, common: dict, pairs: list[Pair],
                 pooled, compare_of: dict, actors: list[dict]) -> None:
    taxonomy = labels.taxonomy
    signs = taxonomy.polarity_signs
    map_actors, map_total = corpus.map_actors(plots.MAX_ACTORS)
    targets = [t for t in taxonomy.stance_targets if any((a, t) in corpus.stance_cells for a in map_actors)]
    shown = {actor: labels.actor(actor, "")["name"] for actor in map_actors}
    twice = {name for name in shown.values() if list(shown.values()).count(name) > 1}
    shown = {actor: f"{name} ({actor})" if name in twice else name for actor, name in shown.items()}
    names = [shown[actor] for actor in map_actors]
    cells = {(shown[a], t): corpus.stance_cells[(a, t)] for a in map_actors for t in targets
             if (a, t) in corpus.stance_cells}
    (folder / "plots" / "stance-map.svg").write_text(plots.stance_map(
        names, targets, cells, taxonomy.polarities, signs, polarity_colours(taxonomy)), encoding="utf-8")
    dates = sorted({date for _, date in corpus.events_by_date})
    event_types = [t for t in taxonomy.event_types if any((t, d) in corpus.events_by_date for d in dates)]
    (folder / "plots" / "events-by-date.svg").write_text(plots.events_by_date(
        event_types, dates, corpus.events_by_date), encoding="utf-8")
    map_rows = [(labels.actor(actor, ""), target, counts) for (actor, target), counts
                in sorted(corpus.stance_cells.items())]
    agreement = [{"name": pair.name, "article_id": pair.article_id, "other": _pair_label(pair),
                  "first": pair.first_alternate, "f": pair.figures()} for pair in pairs]
    splits = tuple(split for split in SPLITS if any(split in reader.splits(c) for c in CONFIGS))
    _write(folder / "index.html", "corpus.html.j2", **common, root="", articles=corpus.articles, actors=actors,
           pairs=pairs, config_counts=config_counts(reader.folder, CONFIGS, splits), splits=splits,
           label_counts=label_counts(reader.folder), polarities=list(signs.items()),
           map_actors=map_actors, map_total=map_total, map_rows=map_rows,
           stances_without_actor=corpus.stances_without_actor, dates=dates, event_types=event_types,
           events_by_date=corpus.events_by_date, agreement=agreement,
           pooled=summary(pooled, sum(len(p.result.disagreements) for p in pairs if p.first_alternate)),
           compare_of=compare_of)
