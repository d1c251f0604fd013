"""What convert accepts of a Label Studio export: control names from the taxonomy, regions.

Offsets are code points (Python `str` indices), as Label Studio 1.23 stores them.
"""

from __future__ import annotations

from dataclasses import dataclass

from pourparlers.taxonomy import Taxonomy

INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1
# The table column each kind of region fills, for the `field` of problems.
TABLE_OF = {"entity": "entities", "event": "events", "stance": "stances"}
# Per-region controls (taxonomy.controls keys) -> (result type, region kind, attribute).
PER_REGION = {
    "realis": ("choices", "event", "realis"),
    "stance_target": ("choices", "stance", "target"),
    "stance_polarity": ("choices", "stance", "polarity"),
    "stance_attribution": ("choices", "stance", "attribution"),
    "canonical_id": ("textarea", "entity", "canonical_id"),
}


@dataclass(frozen=True)
class Spec:
    """The Label Studio control names the converter accepts, read from the taxonomy."""

    text: str
    kind_of: dict[str, str]                       # labels control -> entity | event | stance
    per_region: dict[str, tuple[str, str, str]]   # control -> (type, kind, attribute)
    stance_label: str
    holder: str

    @classmethod
    def of(cls, taxonomy: Taxonomy) -> Spec:
        c = taxonomy.controls
        return cls(
            text=c["text"],
            kind_of={c[kind]: kind for kind in ("entity", "event", "stance")},
            per_region={c[key]: value for key, value in PER_REGION.items()},
            stance_label=c["stance_label"],
            holder=c["holder_relation"],
        )

    def controls_of(self, result_type: str) -> str:
        if result_type == "labels":
            names = list(self.kind_of)
        else:
            names = [n for n, (t, _, _) in self.per_region.items() if t == result_type]
        return ", ".join(names)



class Region:
    __slots__ = ("id", "kind", "label", "start", "end", "export_text", "attrs", "holder")

    def __init__(self, rid: str, kind: str, label: str, start: int, end: int,
                 export_text: str) -> None:
        self.id = rid
        self.kind = kind
        self.label = label
        self.start = start
        self.end = end
        self.export_text = export_text
        self.attrs: dict[str, str] = {}
        self.holder: str | None = None


def is_int(value: object) -> bool:
    """A JSON integer: bool is an int subclass in Python but never an offset or an id."""
    return type(value) is int

