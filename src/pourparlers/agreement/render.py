"""The agreement report for people: tables of P/R/F1 and kappas, and the disagreements."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from rich.console import Console
from rich.table import Table

from pourparlers.agreement import EVENT_SCORES, AgreementReport
from pourparlers.agreement.compare import micro
from pourparlers.agreement.matching import LabelAgreement, Score, cohen_kappa
from pourparlers.display import printable


def _ratio(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}"


def _score_row(name: str, score: Score) -> list[str]:
    return [name, str(score.a), str(score.b), str(score.matched), _ratio(score.precision),
            _ratio(score.recall), _ratio(score.f1)]


def _grid(title: str, columns: Sequence[str], rows: Sequence[Sequence[str]], *,
          numbers: bool = True) -> Table:
    table = Table(title=printable(title, newlines=False), title_justify="left")
    for position, column in enumerate(columns):
        table.add_column(column, justify="right" if numbers and position else "left",
                         no_wrap=numbers)
    for row in rows:
        table.add_row(*(printable(cell, newlines=False) for cell in row))
    return table


def _label_line(name: str, agreement: LabelAgreement) -> str:
    d = agreement.as_dict()
    return (f"{name}: {d['agreed']}/{d['n']} agree (accuracy {_ratio(d['accuracy'])}), "
            f"Cohen's kappa {_ratio(d['kappa'])}")


def _region(row: dict | None) -> str:
    if row is None:
        return ""
    if "filler" in row:
        trigger, filler = row["trigger"] or {}, row["filler"] or {}
        return (f"{trigger.get('text', '?')!r} -{row['role']}-> {filler.get('text', '?')!r} "
                f"{filler.get('start', '?')}-{filler.get('end', '?')}")
    if "holder" in row:
        return (f"{row['holder']} / {row['target']} / {row['polarity']} / {row['attribution']}: "
                f"{row['text']!r} {row['start']}-{row['end']}")
    extra = f" {row['realis']}" if "realis" in row else ""
    return f"{row['type']}{extra} {row['text']!r} {row['start']}-{row['end']}"


def print_report(report: AgreementReport, console: Console, *, show_disagreements: bool = False) -> None:
    """Readable tables: pooled entities, events, stances, then per article (+ disagreements).

    `console` must not read markup (the CLI's does not): region texts are shown as they are."""
    pooled = report.pooled
    console.print(printable(f"Agreement of A = {report.selector_a} and B = {report.selector_b}: "
                            f"{len(report.articles)} article(s) compared, {len(report.skipped)} skipped"))
    strict, overlap = pooled.strict, pooled.overlap
    rows = [[kind, str(strict[kind].a), str(strict[kind].b), str(strict[kind].matched),
             _ratio(strict[kind].f1), str(overlap[kind].matched), _ratio(overlap[kind].f1)]
            for kind in sorted(strict)]
    micro_s, micro_o = micro(strict), micro(overlap)
    rows.append(["micro", str(micro_s.a), str(micro_s.b), str(micro_s.matched), _ratio(micro_s.f1),
                 str(micro_o.matched), _ratio(micro_o.f1)])
    console.print(_grid("Entities (pooled)", ["type", "A", "B", "strict", "strict F1", "overlap",
                                              "overlap F1"], rows))
    console.print(_grid("Events (pooled, ACE-style)", ["task", "A", "B", "matched", "P", "R", "F1"],
                        [_score_row(name.replace("_", " "), pooled.events[name]) for name in EVENT_SCORES]))
    console.print(_label_line("realis on identified triggers", pooled.realis))
    console.print(_grid("Stances (pooled)", ["pairs", "A", "B", "matched", "P", "R", "F1"],
                        [_score_row("(holder, target)", pooled.holder_target)]))
    console.print(_label_line("polarity on paired stances", pooled.polarity))
    console.print(_label_line("attribution on paired stances", pooled.attribution))
    console.print(_grid(
        "Per article: F1 of entities (strict, overlap), trigger and argument classification, "
        "stance (holder, target); kappa on polarity",
        ["article", "ent", "ovl", "trig", "arg", "stnc", "pol κ", "diff"],
        [[item.article_id, _ratio(micro(item.figures.strict).f1), _ratio(micro(item.figures.overlap).f1),
          _ratio(item.figures.events["trigger_classification"].f1),
          _ratio(item.figures.events["argument_classification"].f1),
          _ratio(item.figures.holder_target.f1), _ratio(cohen_kappa(item.figures.polarity.pairs)),
          str(len(item.disagreements))] for item in report.articles]))
    if report.skipped:
        reasons = Counter(item["reason"] for item in report.skipped)
        console.print("Skipped: " + ", ".join(f"{n} with {reason}" for reason, n in sorted(reasons.items())))
    if show_disagreements:
        for item in report.articles:
            if item.disagreements:
                console.print(_grid(
                    f"Disagreements in {item.article_id} (A = annotation {item.a.annotation_id}, "
                    f"B = annotation {item.b.annotation_id})", ["layer", "kind", "A", "B", "detail"],
                    [[d["layer"], d["kind"], _region(d["a"]), _region(d["b"]), d["detail"]]
                     for d in item.disagreements], numbers=False))

