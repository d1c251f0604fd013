"""The label taxonomy, read from `schema/taxonomy.yaml`: the one place labels are declared.

The YAML is checked as it is read (pydantic models, unknown keys refused), so a broken file
gives a `TaxonomyError` naming the YAML path, never a traceback from a reader further on. Every
value with a special meaning (control names, the stance label, the attribution without a holder,
the spaCy label map of pre-annotation) is declared here too: no label is spelled in code.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import yaml
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, model_validator

from pourparlers.errors import PourparlersError

if TYPE_CHECKING:
    from pourparlers.actors import Actors

COARSE_TYPES = ("PER", "ORG", "LOC", "MISC", "O")
"""The CoNLL-2003 coarse types an entity type maps down to (O: not a CoNLL entity)."""


class TaxonomyError(PourparlersError):
    """`schema/taxonomy.yaml` is missing, not YAML, or not a valid taxonomy."""

    code = "taxonomy-invalid"


# A label as Label Studio and the release use it: no padding, no comma (Label Studio splits
# `whenLabelValue` on commas), not empty.
Label = Annotated[str, StringConstraints(pattern=r"^[^,\s](?:[^,]*[^,\s])?$")]
Text = Annotated[str, StringConstraints(min_length=1)]


class Strict(BaseModel):
    """A declaration read from schema/: unknown keys are refused, values are frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Controls(Strict):
    """Label Studio control names, shared by the label config and the converter."""

    text: Label
    entity: Label
    event: Label
    stance: Label
    realis: Label
    stance_target: Label
    stance_polarity: Label
    stance_attribution: Label
    canonical_id: Label
    stance_label: Label
    holder_relation: Label


class Item(Strict):
    """A label with its French and English definitions."""

    name: Label
    fr: Text
    en: Text


class Polarity(Item):
    """A stance polarity with the sign that shows it wherever colour alone would (the site's
    highlights and stance map): colour is never the only carrier of a polarity."""

    sign: Annotated[str, StringConstraints(min_length=1, max_length=2, strip_whitespace=True)]


class Realis(Item):
    """A realis value, with the PLOVER auxiliary mode it exports as (none: PLOVER's default)."""

    plover_mode: Label | None = None


class PloverSlots(Strict):
    """The event roles that fill PLOVER's `actor` (CAMEO source), `recipient` (CAMEO target) and
    event location."""

    actor: list[Label]
    recipient: list[Label]
    location: list[Label]


class EntityType(Item):
    coarse: str
    example: Text

    @model_validator(mode="after")
    def _coarse_is_conll(self) -> EntityType:
        if self.coarse not in COARSE_TYPES:
            raise ValueError(f"coarse type {self.coarse!r} is not one of {', '.join(COARSE_TYPES)}")
        return self


class EventType(Item):
    plover: str
    cameo: Text
    example: Text
    roles: dict[Label, Label | list[Label]] = Field(min_length=1)


class Stance(Strict):
    holder_types: list[Label] = Field(min_length=1)
    holderless_attribution: Label
    targets: list[Item] = Field(min_length=1)
    polarities: list[Polarity] = Field(min_length=1)
    attributions: list[Item] = Field(min_length=1)


class CanonicalIds(Strict):
    """The entity types whose named mentions need a canonical id when they fill an event
    argument or hold a stance."""

    required_for: list[Label] = Field(min_length=1)


class Preannotation(Strict):
    """spaCy's labels mapped onto ours for pre-annotations (labels absent are not suggested)."""

    spacy_types: dict[Label, Label]


class TaxonomySpec(Strict):
    """`schema/taxonomy.yaml` as declared."""

    schema_version: Annotated[str, StringConstraints(pattern=r"^\d+\.\d+\.\d+$")]
    controls: Controls
    entity_types: list[EntityType] = Field(min_length=1)
    filler_groups: dict[Label, list[Label]]
    realis: list[Realis] = Field(min_length=1)
    event_types: list[EventType] = Field(min_length=1)
    plover_slots: PloverSlots
    stance: Stance
    canonical_ids: CanonicalIds
    preannotation: Preannotation

    @model_validator(mode="after")
    def _references_resolve(self) -> TaxonomySpec:
        types = [item.name for item in self.entity_types]
        for where, names in (("entity_types", types), ("realis", [i.name for i in self.realis]),
                             ("event_types", [i.name for i in self.event_types]),
                             ("stance.targets", [i.name for i in self.stance.targets]),
                             ("stance.polarities", [i.name for i in self.stance.polarities]),
                             ("stance.attributions", [i.name for i in self.stance.attributions])):
            repeated = sorted({name for name in names if names.count(name) > 1})
            if repeated:
                raise ValueError(f"{where}: {', '.join(repeated)} declared twice")
        signs = [item.sign for item in self.stance.polarities]
        if len(set(signs)) != len(signs):
            raise ValueError(f"stance.polarities: signs {', '.join(signs)} are not distinct")
        for group, members in self.filler_groups.items():
            _known(f"filler_groups.{group}", members, types)
        for event in self.event_types:
            for role, fillers in event.roles.items():
                if isinstance(fillers, str) and fillers not in self.filler_groups:
                    raise ValueError(f"event_types[{event.name}].roles.{role}: {fillers!r} is neither "
                                     f"a filler group ({', '.join(self.filler_groups)}) nor a list of types")
                if isinstance(fillers, list):
                    _known(f"event_types[{event.name}].roles.{role}", fillers, types)
        _known("stance.holder_types", self.stance.holder_types, types)
        _known("canonical_ids.required_for", self.canonical_ids.required_for, types)
        _known("stance.holderless_attribution", [self.stance.holderless_attribution],
               [i.name for i in self.stance.attributions])
        _known("preannotation.spacy_types", list(self.preannotation.spacy_types.values()), types)
        roles = {role for event in self.event_types for role in event.roles}
        slotted = [role for slot in PloverSlots.model_fields for role in getattr(self.plover_slots, slot)]
        _known("plover_slots", slotted, sorted(roles))
        repeated = sorted({role for role in slotted if slotted.count(role) > 1})
        if repeated:
            raise ValueError(f"plover_slots: {', '.join(repeated)} in more than one slot")
        if self.controls.holder_relation in roles:
            raise ValueError(f"controls.holder_relation {self.controls.holder_relation!r} is also an event role")
        return self


def _known(where: str, names: list[str], declared: list[str]) -> None:
    unknown = [name for name in names if name not in declared]
    if unknown:
        raise ValueError(f"{where}: unknown {', '.join(map(repr, unknown))} "
                         f"(declared: {', '.join(declared)})")


@dataclass(frozen=True)
class Taxonomy:
    """Labels and their constraints, derived from the checked declaration `spec`; `actors`, the
    declared canonical ids (`schema/actors.yaml`), when the repository's were read with it."""

    spec: TaxonomySpec
    actors: Actors | None = None

    @property
    def schema_version(self) -> str:
        return self.spec.schema_version

    @property
    def controls(self) -> dict[str, str]:
        return self.spec.controls.model_dump()

    @property
    def entity_types(self) -> tuple[str, ...]:
        return tuple(item.name for item in self.spec.entity_types)

    @property
    def coarse_of(self) -> dict[str, str]:
        return {item.name: item.coarse for item in self.spec.entity_types}

    @property
    def coarse_types(self) -> tuple[str, ...]:
        """CoNLL-style coarse types (PER, ORG, LOC, MISC) in use, without O."""
        return tuple(dict.fromkeys(c for c in self.coarse_of.values() if c != "O"))

    @property
    def realis(self) -> tuple[str, ...]:
        return tuple(item.name for item in self.spec.realis)

    @property
    def event_types(self) -> tuple[str, ...]:
        return tuple(item.name for item in self.spec.event_types)

    @property
    def roles_of(self) -> dict[str, dict[str, tuple[str, ...]]]:
        """Event type -> role -> the entity types that may fill it (groups resolved)."""
        groups = self.spec.filler_groups
        return {event.name: {role: tuple(groups[fillers] if isinstance(fillers, str) else fillers)
                             for role, fillers in event.roles.items()}
                for event in self.spec.event_types}

    def filler_group(self, event_type: str, role: str) -> str | None:
        """The filler group's name when the YAML gives one for this role."""
        for event in self.spec.event_types:
            if event.name == event_type:
                fillers = event.roles.get(role)
                return fillers if isinstance(fillers, str) else None
        return None

    @property
    def roles(self) -> tuple[str, ...]:
        """Every event role, in order of first declaration."""
        return tuple(dict.fromkeys(role for event in self.spec.event_types for role in event.roles))

    @property
    def plover_mode_of(self) -> dict[str, str | None]:
        """Realis -> the PLOVER auxiliary mode it exports as (None: PLOVER's default)."""
        return {item.name: item.plover_mode for item in self.spec.realis}

    @property
    def plover_slot_of(self) -> dict[str, str]:
        """Event role -> its PLOVER slot (actor, recipient, location); roles in no slot are absent."""
        slots = self.spec.plover_slots
        return {role: slot for slot in PloverSlots.model_fields for role in getattr(slots, slot)}

    @property
    def holder_types(self) -> tuple[str, ...]:
        return tuple(self.spec.stance.holder_types)

    @property
    def canonical_id_types(self) -> tuple[str, ...]:
        """Types whose named mentions need a canonical id as argument filler or stance holder."""
        return tuple(self.spec.canonical_ids.required_for)

    @property
    def holderless_attribution(self) -> str:
        """The attribution of the outlet's own voice: the only one whose stances have no holder."""
        return self.spec.stance.holderless_attribution

    @property
    def stance_targets(self) -> tuple[str, ...]:
        return tuple(item.name for item in self.spec.stance.targets)

    @property
    def polarities(self) -> tuple[str, ...]:
        return tuple(item.name for item in self.spec.stance.polarities)

    @property
    def polarity_signs(self) -> dict[str, str]:
        """Polarity -> the sign shown beside its colour (`+` for FAVOR…), from the taxonomy."""
        return {item.name: item.sign for item in self.spec.stance.polarities}

    @property
    def attributions(self) -> tuple[str, ...]:
        return tuple(item.name for item in self.spec.stance.attributions)

    @property
    def spacy_types(self) -> dict[str, str]:
        return dict(self.spec.preannotation.spacy_types)

    @property
    def relation_labels(self) -> tuple[str, ...]:
        """Every label a Label Studio relation may carry: the event roles, then the holder."""
        return (*self.roles, self.spec.controls.holder_relation)

    @property
    def ner_tags(self) -> tuple[str, ...]:
        """IOB2 tag names for the token-level config: O, then B-/I- per entity type."""
        tags = ["O"]
        for name in self.entity_types:
            tags += [f"B-{name}", f"I-{name}"]
        return tuple(tags)

    def label_columns(self) -> dict[tuple[str, str], tuple[tuple[str, ...], str]]:
        """Every label column of the normalized tables, with its labels and their YAML path."""
        return {
            ("entities", "type"): (self.entity_types, "entity_types"),
            ("events", "type"): (self.event_types, "event_types"),
            ("events", "realis"): (self.realis, "realis"),
            ("event_arguments", "role"): (self.roles, "event_types[*].roles"),
            ("stances", "target"): (self.stance_targets, "stance.targets"),
            ("stances", "polarity"): (self.polarities, "stance.polarities"),
            ("stances", "attribution"): (self.attributions, "stance.attributions"),
        }


def parse_taxonomy(data: object, source: str = "schema/taxonomy.yaml") -> Taxonomy:
    """A `Taxonomy` from the YAML mapping; `TaxonomyError` naming the YAML path otherwise."""
    try:
        return Taxonomy(TaxonomySpec.model_validate(data))
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "(top level)"
        message = first["msg"].removeprefix("Value error, ")
        more = f" (and {error.error_count() - 1} more)" if error.error_count() > 1 else ""
        raise TaxonomyError(f"{source}: {where}: {message}{more}",
                            "fix the file (see the comments at its top), then run `pourparlers schema`") from None


def load_taxonomy(path: Path, source: str | None = None) -> Taxonomy:
    """Read and check a taxonomy YAML file; `source` names it in errors (default: `path`)."""
    path = Path(path)
    source = source or str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise TaxonomyError(f"{source}: cannot read the taxonomy ({getattr(error, 'strerror', None) or error})",
                            "restore schema/taxonomy.yaml from git") from None
    try:
        data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))   # C if built
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        reason = getattr(error, "problem", None) or str(error)
        raise TaxonomyError(f"{source}: not valid YAML{where}: {reason}",
                            "fix the YAML syntax, then run `pourparlers schema`") from None
    return parse_taxonomy(data, source)
