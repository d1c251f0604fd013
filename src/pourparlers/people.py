"""Who annotated, never who they are: annotations/ is committed, so an export keeps user ids only.

Label Studio expands users into objects with their e-mail and names (`completed_by` of a full
export, a draft's `user`, `created_username`, comment authors). `anonymous` turns every such
object into its id and drops every field that names a person; `people_in` finds what is left
(any e-mail address outside the article's own text), which validate reports.

The ids annotations/ records are annotator numbers, not one server's user ids: loaded into
another Label Studio, annotator 3 becomes the account `annotator-3@pourparlers.local`
(`pseudonym`), and pulled back it is 3 again (`annotator_ids`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping

PERSON_FIELDS = frozenset({"email", "username", "first_name", "last_name", "created_username",
                           "avatar", "initials", "phone"})
"""Fields of a Label Studio export that name a person."""
USER_FIELDS = frozenset({"completed_by", "updated_by", "last_created_by", "created_by", "user",
                         "author", "reviewed_by"})
"""Fields that refer to a user: an id stays, an expanded user object becomes its id."""
TEXT_FIELDS = frozenset({"data", "value"})
"""Subtrees holding the article, its spans and imported metadata: their text is never altered."""
EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")


def _user_id(value: object) -> object:
    """An expanded user object as its id; an e-mail string as nothing."""
    if isinstance(value, dict):
        return value.get("id")
    if isinstance(value, str) and EMAIL.search(value):
        return None
    if isinstance(value, list):
        return [_user_id(item) for item in value]
    return value


def anonymous(value: object) -> object:
    """`value` (a task, or any part of one) without a person's e-mail or name."""
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if key in PERSON_FIELDS:
                continue
            if key in TEXT_FIELDS:
                out[key] = item
            elif key in USER_FIELDS:
                out[key] = _user_id(item)
            elif key == "comment_authors" and isinstance(item, list):
                out[key] = [_user_id(author) for author in item]
            else:
                out[key] = anonymous(item)
        return out
    if isinstance(value, list):
        return [anonymous(item) for item in value]
    return value


def people_in(value: object, path: str = "") -> Iterator[tuple[str, str]]:
    """(JSON path, value) of every field that names a person: a non-empty person field, or an
    e-mail address anywhere outside the article's text and spans."""
    if isinstance(value, dict):
        for key, item in value.items():
            where = f"{path}.{key}" if path else key
            if key in PERSON_FIELDS and item not in (None, "", []):
                yield where, str(item)
            elif key not in TEXT_FIELDS:
                yield from people_in(item, where)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from people_in(item, f"{path}[{index}]")
    elif isinstance(value, str) and EMAIL.search(value):
        yield path, value


PSEUDONYM_DOMAIN = "pourparlers.local"
_PSEUDONYM = re.compile(r"annotator-(\d+)@pourparlers\.local")


def pseudonym(annotator: int) -> str:
    """The Label Studio account that stands for annotator number `annotator` of annotations/."""
    return f"annotator-{annotator}@{PSEUDONYM_DOMAIN}"


def annotator_of(email: object) -> int | None:
    """The annotator number a pseudonymous account stands for; None for any other account."""
    match = _PSEUDONYM.fullmatch(email) if isinstance(email, str) else None
    return int(match.group(1)) if match else None


class AmbiguousAnnotator(ValueError):
    """A server account whose own id is the number a pseudonymous account stands for."""


def annotator_ids(users: Mapping[int, str]) -> dict[int, int]:
    """Server user id -> the annotator number annotations/ records.

    A pseudonymous account stands for the number in its address; any other account for its own
    id. Two accounts that would be recorded as the same number are refused (`AmbiguousAnnotator`)
    rather than merged into one annotator.
    """
    numbers = {user: annotator_of(email) for user, email in users.items()}
    numbers = {user: user if number is None else number for user, number in numbers.items()}
    seen: dict[int, int] = {}
    for user, number in sorted(numbers.items()):
        if number in seen:
            raise AmbiguousAnnotator(f"server accounts {seen[number]} and {user} would both be recorded "
                                     f"as annotator {number}")
        seen[number] = user
    return numbers


def users_in(value: object) -> dict[int, str]:
    """Server user id -> e-mail of every expanded user object in `value` (an export)."""
    found: dict[int, str] = {}
    if isinstance(value, dict):
        if isinstance(value.get("id"), int) and isinstance(value.get("email"), str):
            found[value["id"]] = value["email"]
        for key, item in value.items():
            if key not in TEXT_FIELDS:
                found.update(users_in(item))
    elif isinstance(value, list):
        for item in value:
            found.update(users_in(item))
    return found


def user_ids_in(value: object) -> set[int]:
    """Every server user id `value` (an anonymous export) refers to."""
    found: set[int] = set()
    if isinstance(value, dict):
        for key, item in value.items():
            if key in USER_FIELDS or key == "comment_authors":
                found.update(user for user in (item if isinstance(item, list) else [item])
                             if isinstance(user, int) and not isinstance(user, bool))
            elif key not in TEXT_FIELDS:
                found |= user_ids_in(item)
    elif isinstance(value, list):
        for item in value:
            found |= user_ids_in(item)
    return found


def renumbered(value: object, annotators: Mapping[int, int]) -> object:
    """`value` (anonymous) with every user id replaced by its annotator number."""
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if key in TEXT_FIELDS:
                out[key] = item
            elif key in USER_FIELDS or key == "comment_authors":
                out[key] = ([annotators.get(user, user) for user in item] if isinstance(item, list)
                            else annotators.get(item, item) if isinstance(item, int) else item)
            else:
                out[key] = renumbered(item, annotators)
        return out
    if isinstance(value, list):
        return [renumbered(item, annotators) for item in value]
    return value
