"""The stance network: who (an actor) takes which position (polarity) on which negotiation issue
(target), aggregated over the release. One edge per (holder actor, target, polarity), with the
number of stances, their ids and their articles, in `edges.csv` and in `network.graphml` (a
directed multigraph: actor nodes, target nodes, edges keyed by polarity), which networkx, Gephi
and igraph read.

The holder actor is the stance's `holder_canonical_id`. Stances in the outlet's own voice (no
holder) and stances whose holder mention has no canonical id are not edges: both are counted
under `lost`.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from pourparlers.export.reader import ReleaseReader
from pourparlers.taxonomy import Taxonomy

EDGE_COLUMNS = ("holder", "holder_name", "target", "polarity", "stances", "stance_ids", "articles")


def _graphml(actors: dict[str, dict], targets: dict[str, str], edges: list[dict]) -> str:
    """GraphML of the network, written directly (deterministic, streaming-friendly)."""
    keys = [("node", "kind", "string"), ("node", "name", "string"), ("node", "entity_type", "string"),
            ("edge", "polarity", "string"), ("edge", "stances", "int"), ("edge", "stance_ids", "string"),
            ("edge", "articles", "string")]
    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             '<graphml xmlns="http://graphml.graphdrawing.org/xmlns">']
    lines += [f'  <key id="{name}" for="{scope}" attr.name="{name}" attr.type="{kind}"/>' for scope, name, kind in keys]
    lines.append('  <graph id="stances" edgedefault="directed">')

    def data(key: str, value) -> str:
        return f'<data key="{key}">{escape(str(value))}</data>'

    used = sorted({edge["holder"] for edge in edges})
    for actor in used:
        row = actors.get(actor, {})
        lines.append(f"    <node id={quoteattr('actor:' + actor)}>{data('kind', 'actor')}"
                     f"{data('name', row.get('name', actor))}{data('entity_type', row.get('type', ''))}</node>")
    for target in sorted({edge["target"] for edge in edges}):
        lines.append(f"    <node id={quoteattr('target:' + target)}>{data('kind', 'target')}"
                     f"{data('name', targets[target])}</node>")
    for edge in edges:
        edge_id = f"{edge['holder']}|{edge['target']}|{edge['polarity']}"
        lines.append(f"    <edge id={quoteattr(edge_id)} source={quoteattr('actor:' + edge['holder'])} "
                     f"target={quoteattr('target:' + edge['target'])}>{data('polarity', edge['polarity'])}"
                     f"{data('stances', edge['stances'])}{data('stance_ids', edge['stance_ids'])}"
                     f"{data('articles', edge['articles'])}</edge>")
    lines += ["  </graph>", "</graphml>"]
    return "\n".join(lines) + "\n"


def write(reader: ReleaseReader, out: Path, taxonomy: Taxonomy) -> tuple[dict[str, int], dict[str, int]]:
    actors = reader.actors()
    targets = {item.name: item.en for item in taxonomy.spec.stance.targets}
    grouped: dict[tuple[str, str, str], dict[str, list[str]]] = defaultdict(lambda: {"ids": [], "articles": []})
    lost = {"stances in the outlet's own voice": 0, "stances whose holder has no canonical id": 0}
    stances = 0
    for split in reader.splits("stances"):
        for rows in reader.rows("stances", split):
            for row in rows:
                stances += 1
                if not row["holder_id"]:
                    lost["stances in the outlet's own voice"] += 1
                    continue
                if not row["holder_canonical_id"]:
                    lost["stances whose holder has no canonical id"] += 1
                    continue
                group = grouped[row["holder_canonical_id"], row["target"], row["polarity"]]
                group["ids"].append(row["id"])
                if row["article_id"] not in group["articles"]:
                    group["articles"].append(row["article_id"])
    polarity_order = {name: index for index, name in enumerate(taxonomy.polarities)}
    edges = [{"holder": holder, "holder_name": actors.get(holder, {}).get("name", holder), "target": target,
              "polarity": polarity, "stances": len(group["ids"]), "stance_ids": ";".join(sorted(group["ids"])),
              "articles": ";".join(sorted(group["articles"]))}
             for (holder, target, polarity), group in sorted(
                 grouped.items(), key=lambda item: (item[0][0], item[0][1], polarity_order[item[0][2]]))]
    with open(out / "edges.csv", "w", encoding="utf-8", newline="") as stream:
        table = csv.DictWriter(stream, EDGE_COLUMNS, lineterminator="\n")
        table.writeheader()
        table.writerows(edges)
    (out / "network.graphml").write_text(_graphml(actors, targets, edges), encoding="utf-8")
    written = {"stances": stances, "edges": len(edges), "actors": len({e["holder"] for e in edges}),
               "targets": len({e["target"] for e in edges})}
    return written, lost
