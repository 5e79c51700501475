"""The registry's row writer: how a person or an enrolment becomes one CSV row.

Why a module of its own: every row the demo writes takes its name, e-mail, personnummer and id
from one random stream and a few registers that keep them unique (given.family numbered from 2,
personnummer serials per birth day, running user and enrolment numbers). Whatever the rows are
about, the order of these calls fixes every name and id, so the primitives sit apart from the
municipality-specific writing in `bundle`.
"""

from __future__ import annotations

import random
from typing import Any

from rostertui.demo.files import DOMAIN
from rostertui.demo.ids import (
    FAMILY_NAMES,
    FOLD,
    GIVEN_NAMES,
    MMDD,
    personnummer,
    user_sourced_id,
)


class RegistryRows:
    """Writes users.csv and enrollments.csv rows: the random stream, id counters, uniqueness.

    `users` and `enrolments` are the sinks (csv writers or in-memory tables) the subclass sets
    before writing; `begin` and `end` are an enrolment's default dates (end exclusive).
    """

    def __init__(self, rng: random.Random, begin: str, end: str) -> None:
        self.rng = rng
        self.begin = begin
        self.end = end
        self.local_parts: dict[str, int] = {}
        self.serials: dict[str, list[int]] = {}
        self.next_user = 1
        self.next_enrolment = 1
        self.users: Any = None
        self.enrolments: Any = None
        self.last_user_row: tuple[str, ...] = ()

    def random_name(self) -> tuple[str, str]:
        """A Swedish name; Anna Svensson is reserved for the support ticket's pupil."""
        given = self.rng.choice(GIVEN_NAMES)
        family = self.rng.choice(FAMILY_NAMES)
        if given == "Anna" and family == "Svensson":
            family = "Sjöberg"
        return given, family

    def local_part(self, given: str, family: str) -> str:
        """given.family, ASCII-folded and lower case, numbered from 2 when already taken."""
        base = f"{given.lower().translate(FOLD)}.{family.lower().translate(FOLD)}"
        count = self.local_parts.get(base, 0) + 1
        self.local_parts[base] = count
        return base if count == 1 else f"{base}{count}"

    def civic_no(self, birth_year: int) -> str:
        """A valid personnummer, unique: serials per birth day step by 7 from a random start.

        Serial 000 is never issued, so serials run 001–999.
        """
        day = f"{birth_year}{MMDD[self.rng.randrange(365)]}"
        register = self.serials.get(day)
        if register is None:
            register = self.serials[day] = [self.rng.randrange(999), 0]
        serial = 1 + (register[0] + 7 * register[1]) % 999
        register[1] += 1
        return personnummer(day, serial)

    def user(
        self,
        *,
        org: str,
        role: str,
        given: str,
        family: str,
        email: str | None = None,
        username: str = "",
        grades: str = "",
        civic: str = "",
        marking: str = "",
        enabled: str = "true",
        agents: str = "",
        user_id: str = "",
    ) -> str:
        """Write one users.csv row; e-mail and username default to the unique given.family."""
        if not user_id:
            user_id = user_sourced_id(self.next_user)
            self.next_user += 1
        if not username:
            username = self.local_part(given, family)
        if email is None:
            email = f"{username}@{DOMAIN}"
        row = (user_id, "", "", enabled, org, role, username, "", given, family, "", "",
               email, "", "", agents, grades, "", civic, marking)  # fmt: skip
        self.last_user_row = row
        self.users.writerow(row)
        return user_id

    def enrol(
        self,
        class_id: str,
        school_id: str,
        user_id: str,
        role: str = "student",
        *,
        primary: str = "false",
        begin: str = "",
        end: str = "",
    ) -> str:
        enrolment_id = f"enr-{self.next_enrolment:07d}"
        self.next_enrolment += 1
        self.enrolments.writerow(
            (enrolment_id, "", "", class_id, school_id, user_id, role, primary,
             begin or self.begin, end or self.end)
        )  # fmt: skip
        return enrolment_id
