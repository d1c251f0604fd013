"""The corpus's actors, read from `schema/actors.yaml`: every canonical id that a mention may
carry, with the name the release shows for it, its entity type and any verified external id.

Declared once, like the labels: `validate` refuses a canonical id that is not declared here, and
the release ships the table as its `actors` config. The YAML is checked as it is read (pydantic,
unknown keys refused), so a broken file is an `ActorsError` naming the YAML path.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import yaml
from pydantic import StringConstraints, ValidationError

from pourparlers.errors import PourparlersError
from pourparlers.taxonomy import Strict, Text


class ActorsError(PourparlersError):
    """`schema/actors.yaml` is missing, not YAML, or not a valid table of actors."""

    code = "actors-invalid"


CanonicalId = Annotated[str, StringConstraints(pattern=r"^\S+$")]


class Actor(Strict):
    name: Text
    type: Text
    external_ids: dict[CanonicalId, CanonicalId] = {}   # e.g. {wikidata: Q...}, only once verified


class ActorsSpec(Strict):
    actors: dict[CanonicalId, Actor]


@dataclass(frozen=True)
class Actors:
    """The declared actors, by canonical id (sorted)."""

    spec: ActorsSpec

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(sorted(self.spec.actors))

    def rows(self) -> list[dict]:
        """One dict per actor: canonical_id, name, type, external_ids [{source, id}]."""
        return [{"canonical_id": key, "name": actor.name, "type": actor.type,
                 "external_ids": [{"source": source, "id": value}
                                  for source, value in sorted(actor.external_ids.items())]}
                for key, actor in sorted(self.spec.actors.items())]


def parse_actors(data: object, entity_types: tuple[str, ...], source: str = "schema/actors.yaml") -> Actors:
    """`Actors` from the YAML mapping, each type one of `entity_types`; else `ActorsError`."""
    hint = "fix the file (see the comments at its top)"
    try:
        actors = Actors(ActorsSpec.model_validate(data))
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "(top level)"
        more = f" (and {error.error_count() - 1} more)" if error.error_count() > 1 else ""
        raise ActorsError(f"{source}: {where}: {first['msg']}{more}", hint) from None
    for key, actor in sorted(actors.spec.actors.items()):
        if actor.type not in entity_types:
            raise ActorsError(f"{source}: actors.{key}.type: {actor.type!r} is not an entity type of the "
                              f"taxonomy ({', '.join(entity_types)})", hint)
    return actors


def load_actors(path: Path, entity_types: tuple[str, ...], source: str | None = None) -> Actors:
    """Read and check an actors YAML file; `source` names it in errors (default: `path`)."""
    source = source or str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ActorsError(f"{source}: cannot read the actors ({getattr(error, 'strerror', None) or error})",
                          "restore schema/actors.yaml from git") from None
    try:
        data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ActorsError(f"{source}: not valid YAML{where}: {getattr(error, 'problem', None) or error}",
                          "fix the YAML syntax") from None
    return parse_actors(data, entity_types, source)
