"""The last good night's persons, as the evaluator asks about them, in a few bytes each.

Every person tonight is asked "were you here last night?"; only those who were not are asked
"was someone with your e-mail (or personnummer)?" (PERSON_ID_CHANGED). As sets and dicts of
strings a million persons cost half a gigabyte before the night has read a row; as sorted
64-bit hashes they cost 8 bytes a key, and the rare e-mail lookup fetches its record by id.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator


def _at(hashes: array, value: object) -> Iterator[int]:
    """Where `value`'s hash stands in the sorted `hashes`: nowhere, once, or (shared) more."""
    wanted = hash(value)
    at = bisect_left(hashes, wanted)
    while at < len(hashes) and hashes[at] == wanted:
        yield at
        at += 1


class HashedKeys:
    """Whether a key is among a million: a sorted array of their hashes. Two keys that share
    a hash (one night in billions) make a new id look known, which only skips a warning."""

    def __init__(self, keys: Iterable[str]) -> None:
        self._hashes = array("q", sorted(map(hash, keys)))

    def __contains__(self, key: object) -> bool:
        return next(_at(self._hashes, key), None) is not None

    def __len__(self) -> int:
        return len(self._hashes)


class KeysByValue:
    """A person's key by a value of her record (her e-mail, her civic hash): the values'
    hashes sorted beside their record ids. A hit is checked against the record itself, so a
    hash two values share never names the wrong person."""

    def __init__(
        self, pairs: Iterable[tuple[str, int]], fetch: Callable[[int], tuple[str, str] | None]
    ) -> None:
        ordered = sorted((hash(value), record_id) for value, record_id in pairs)
        self._hashes = array("q", (h for h, _ in ordered))
        self._ids = array("q", (record_id for _, record_id in ordered))
        self._fetch = fetch  # record id -> (key, value as the pairs gave it)

    def get(self, value: str) -> str | None:
        for at in _at(self._hashes, value):
            found = self._fetch(self._ids[at])
            if found is not None and found[1] == value:
                return found[0]
        return None
