"""Tables back into Label Studio `result` lists: the inverse of convert.

Used for predictions and for round trips (tests hold `convert(results_from_tables(t)) == t`).
"""

from __future__ import annotations

from pourparlers.tables import GOLD
from pourparlers.taxonomy import Taxonomy


def _span_item(region: str, control: str, kind: str, row: dict, value: dict) -> dict:
    return {"id": region, "from_name": control, "to_name": "text", "type": kind,
            "value": {"start": row["start"], "end": row["end"], "text": row["text"], **value}}


def results_from_tables(tables: dict, taxonomy: Taxonomy, article_id: str,
                        annotation_id: int | None = None) -> list[dict]:
    """One annotation's rows as a Label Studio `result` list: the inverse of convert.

    Used for predictions (pre-annotations) and for round trips. Without `annotation_id` the
    article's gold layer is used. Region ids are the export's own, so relations resolve.
    """
    controls = taxonomy.controls

    def rows(name: str) -> list[dict]:
        table = tables.get(name)
        if table is None:
            return []
        selected = [row for row in table.to_pylist() if row["article_id"] == article_id]
        if annotation_id is None:
            return [row for row in selected if row["layer"] == GOLD]
        return [row for row in selected if row["annotation_id"] == annotation_id]

    result: list[dict] = []
    region_of: dict[str, str] = {}
    for row in rows("entities"):
        region_of[row["mention_id"]] = row["region_id"]
        result.append(_span_item(row["region_id"], controls["entity"], "labels", row, {"labels": [row["type"]]}))
        if row.get("canonical_id"):
            result.append(_span_item(row["region_id"], controls["canonical_id"], "textarea",
                                     {**row, "text": [row["canonical_id"]]}, {}))
    relations = []
    for row in rows("events"):
        result.append(_span_item(row["region_id"], controls["event"], "labels", row, {"labels": [row["type"]]}))
        if row.get("realis"):
            result.append(_span_item(row["region_id"], controls["realis"], "choices", row,
                                     {"choices": [row["realis"]]}))
    for row in rows("stances"):
        result.append(_span_item(row["region_id"], controls["stance"], "labels", row,
                                 {"labels": [controls["stance_label"]]}))
        for key in ("target", "polarity", "attribution"):
            if row.get(key):
                result.append(_span_item(row["region_id"], controls[f"stance_{key}"], "choices", row,
                                         {"choices": [row[key]]}))
        if row.get("holder_id"):
            relations.append({"from_id": row["region_id"], "to_id": region_of.get(row["holder_id"], row["holder_id"]),
                              "type": "relation", "direction": "right", "labels": [controls["holder_relation"]]})
    for row in rows("event_arguments"):
        relations.append({"from_id": row["region_id"], "to_id": row["target_region_id"], "type": "relation",
                          "direction": "right", "labels": [row["role"]] if row.get("role") else []})
    # Relations after all regions, as Label Studio writes them.
    return result + relations
