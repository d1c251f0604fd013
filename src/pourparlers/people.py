"""Who annotated, never who they are: annotations/ is committed, so an export keeps user ids only.

Label Studio expands users into objects with their e-mail and names (`completed_by` of a full
export, a draft's `user`, `created_username`, comment authors). `anonymous` turns every such
object into its id and drops every field that names a person; `people_in` finds what is left
(any e-mail address outside the article's own text), which validate reports.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

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
