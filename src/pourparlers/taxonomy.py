"""The label taxonomy, read from `schema/taxonomy.yaml`, the one place labels are declared."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from pourparlers.paths import SCHEMA_DIR


@dataclass(frozen=True)
class Taxonomy:
    """Labels and their constraints, plus the raw YAML for definitions."""

    schema_version: str
    controls: dict[str, str]
    entity_types: tuple[str, ...]
    coarse_of: dict[str, str]
    realis: tuple[str, ...]
    event_types: tuple[str, ...]
    roles_of: dict[str, dict[str, tuple[str, ...]]]
    roles: tuple[str, ...]
    holder_types: tuple[str, ...]
    stance_targets: tuple[str, ...]
    polarities: tuple[str, ...]
    attributions: tuple[str, ...]
    raw: dict

    @property
    def coarse_types(self) -> tuple[str, ...]:
        """CoNLL-style coarse types (PER, ORG, LOC, MISC), without O."""
        seen = dict.fromkeys(c for c in self.coarse_of.values() if c != "O")
        return tuple(seen)

    @property
    def relation_labels(self) -> tuple[str, ...]:
        """Every label a Label Studio relation may carry: the event roles, then the holder."""
        return (*self.roles, self.controls["holder_relation"])

    @property
    def ner_tags(self) -> tuple[str, ...]:
        """IOB2 tag names for the token-level config: O, then B-/I- per entity type."""
        tags = ["O"]
        for name in self.entity_types:
            tags += [f"B-{name}", f"I-{name}"]
        return tuple(tags)


def _names(items: list[dict]) -> tuple[str, ...]:
    return tuple(item["name"] for item in items)


def parse_taxonomy(data: dict) -> Taxonomy:
    """Build a `Taxonomy` from the YAML mapping, resolving filler groups to entity types."""
    entity_types = _names(data["entity_types"])
    groups = {name: tuple(types) for name, types in data["filler_groups"].items()}
    roles_of: dict[str, dict[str, tuple[str, ...]]] = {}
    all_roles: dict[str, None] = {}
    for event in data["event_types"]:
        resolved = {}
        for role, fillers in event["roles"].items():
            types = groups[fillers] if isinstance(fillers, str) else tuple(fillers)
            unknown = set(types) - set(entity_types)
            if unknown:
                raise ValueError(f"event {event['name']} role {role}: unknown types {unknown}")
            resolved[role] = types
            all_roles[role] = None
        roles_of[event["name"]] = resolved
    stance = data["stance"]
    return Taxonomy(
        schema_version=str(data["schema_version"]),
        controls=dict(data["controls"]),
        entity_types=entity_types,
        coarse_of={item["name"]: item["coarse"] for item in data["entity_types"]},
        realis=_names(data["realis"]),
        event_types=_names(data["event_types"]),
        roles_of=roles_of,
        roles=tuple(all_roles),
        holder_types=tuple(stance["holder_types"]),
        stance_targets=_names(stance["targets"]),
        polarities=_names(stance["polarities"]),
        attributions=_names(stance["attributions"]),
        raw=data,
    )


def load_taxonomy(path: Path | None = None) -> Taxonomy:
    """Read the taxonomy YAML (default: the repository's `schema/taxonomy.yaml`)."""
    if path is None:
        return _default_taxonomy()
    return parse_taxonomy(yaml.safe_load(Path(path).read_text(encoding="utf-8")))


@cache
def _default_taxonomy() -> Taxonomy:
    return parse_taxonomy(
        yaml.safe_load((SCHEMA_DIR / "taxonomy.yaml").read_text(encoding="utf-8"))
    )
