"""Annotators as numbers that survive any server: pseudonymous accounts, never e-mails."""

from __future__ import annotations

import pytest

from pourparlers.people import (
    AmbiguousAnnotator,
    annotator_ids,
    annotator_of,
    anonymous,
    pseudonym,
    renumbered,
    user_ids_in,
    users_in,
)


def test_a_pseudonymous_account_stands_for_its_number():
    assert pseudonym(3) == "annotator-3@pourparlers.local"
    assert annotator_of(pseudonym(3)) == 3
    assert annotator_of("annotator-3@example.org") is None and annotator_of(None) is None


def test_accounts_become_annotator_numbers():
    # A fresh server: the admin is account 1, the loaded annotators got accounts 2, 5 and 6.
    users = {1: "admin@example.org", 2: pseudonym(4), 5: pseudonym(2), 6: pseudonym(3)}
    assert annotator_ids(users) == {1: 1, 2: 4, 5: 2, 6: 3}


def test_two_accounts_recorded_as_one_number_are_refused():
    with pytest.raises(AmbiguousAnnotator, match="accounts 3 and 7 would both be recorded as annotator 3"):
        annotator_ids({3: "bob@example.org", 7: pseudonym(3)})


def test_an_export_is_renumbered_without_touching_the_text():
    task = {"data": {"text": "updated_by 2"}, "updated_by": 2, "comment_authors": [{"id": 5, "email": pseudonym(2)}],
            "annotations": [{"completed_by": {"id": 5, "email": pseudonym(2)}, "result": [{"value": {"text": "2"}}]}]}
    assert users_in(task) == {5: pseudonym(2)}
    plain = anonymous(task)
    assert user_ids_in(plain) == {2, 5}
    done = renumbered(plain, {5: 2, 2: 4})
    assert done["updated_by"] == 4 and done["comment_authors"] == [2]
    assert done["annotations"][0]["completed_by"] == 2 and done["data"] == task["data"]
    assert done["annotations"][0]["result"] == task["annotations"][0]["result"]
