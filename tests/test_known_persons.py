"""Last night's persons, kept compact for the next night's PERSON_ID_CHANGED: a registry that
re-issues a pupil's id is still caught, by e-mail in any case, and a hash two values share
never names the wrong person."""

from __future__ import annotations

from datetime import date

from rostertui.store.known import HashedKeys, KeysByValue
from rostertui.store.queries import Queries
from rostertui.sync import sync
from tests.oneroster_builder import clean_roster


def test_hashed_keys_know_their_keys_and_only_those():
    keys = HashedKeys(f"p{n}" for n in range(10_000))
    assert "p0" in keys and "p9999" in keys
    assert "p10000" not in keys and "" not in keys
    assert len(keys) == 10_000
    assert not HashedKeys([])


def test_a_value_whose_first_record_differs_goes_on_to_the_next():
    """Two records under one hash: the first fetched holds another value (as a collision
    would), so the lookup checks it and answers with the second."""
    records = {1: ("k-other", "b@skola.se"), 2: ("k-anna", "anna@skola.se")}
    lookup = KeysByValue([("anna@skola.se", 1), ("anna@skola.se", 2)], records.get)
    assert lookup.get("anna@skola.se") == "k-anna"
    assert lookup.get("nobody@skola.se") is None


def test_a_reissued_id_is_caught_by_an_e_mail_in_other_letters_than_ascii(tmp_path):
    """Åsa's e-mail has capitals outside ASCII: last night's is matched as Python lower-cases
    it (SQLite's lower() leaves Å alone), so her new id tonight is PERSON_ID_CHANGED."""
    bundle = clean_roster()
    bundle.row("users", "p1")["email"] = "ÅSA.ÖBERG@Skola.se"
    db = tmp_path / "r.db"
    assert sync(db, str(bundle.write(tmp_path / "one")), as_of=date(2026, 11, 22)).state == "good"
    bundle.row("users", "p1")["sourcedId"] = "p1-new"
    bundle.row("users", "p1-new")["email"] = "åsa.öberg@skola.se"
    for row in bundle.table("enrollments"):
        if row["userSourcedId"] == "p1":
            row["userSourcedId"] = "p1-new"
    second = sync(db, str(bundle.write(tmp_path / "two")), as_of=date(2026, 11, 23))
    assert second.state == "held"  # one of three users removed (p1): over the threshold
    with Queries.open(db) as queries:
        anna = queries.record(2, "person", "p1-new")
    assert anna is not None
    reissued = [f for f in anna.findings if f.code == "PERSON_ID_CHANGED"]
    assert reissued and "same e-mail as 'p1'" in reissued[0].message
