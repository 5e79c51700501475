"""Roster + policy + as-of date → every record's status and findings, with root causes.

Order matters and follows DESIGN.md: schools → groups → persons → memberships, then the group
warnings that count imported members. A record that depends on another which was not imported
gets a cascading finding pointing at the other record's deciding finding, so the console can say
"412 memberships ← 1 cause".
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator
from datetime import date
from functools import partial

from rostertui.domain.identity import (
    civic_no_problem,
    email_domain,
    is_valid_email,
    normalise_civic_no,
)
from rostertui.domain.links import ActiveMembers, PersonLinks, Positions, Repeats
from rostertui.domain.model import (
    FileFinding,
    Group,
    Membership,
    Person,
    Placement,
    Roster,
    School,
)
from rostertui.domain.organisations import units_below
from rostertui.domain.policy import Policy, is_protected_marking, is_truthy_flag
from rostertui.domain.verdict import (
    SEVERITY_OF_STATUS,
    Cause,
    Evaluation,
    Finding,
    JudgedMemberships,
    KnownPersons,
    Verdict,
)

_SOURCE_SEVERITY = {"SOURCE_ROW_MALFORMED": "error"}  # other row-level source codes only warn
KNOWN_ROLES = frozenset({"student", "teacher", "staff", "admin", "guardian", "parent", "relative"})
"""Every role the model knows: a person's role outside the policy's allowed_roles is left out on
purpose (PERSON_ROLE_NOT_IMPORTED); only a value outside this set is a registry fault."""
Hasher = Callable[[str], str]


def evaluate(
    roster: Roster,
    policy: Policy,
    as_of: date,
    protect: Hasher,
    known: KnownPersons | None = None,
) -> Evaluation:
    """Judge every record. `protect` is the database's keyed hash (protected ids, civic
    numbers); `known` are the last good run's persons, to notice an id the registry re-issued,
    and the hashed ids of every protected person seen before, whose references stay withheld."""
    return _Evaluator(roster, policy, as_of, protect, known).run()


class _Evaluator:
    def __init__(
        self,
        roster: Roster,
        policy: Policy,
        as_of: date,
        protect: Hasher,
        known: KnownPersons | None,
    ) -> None:
        self.roster = roster
        self.known = known
        self.policy = policy
        self.as_of = as_of
        self.protect = protect
        self.schools: dict[str, Verdict] = {}
        self.groups: dict[str, Verdict] = {}
        self.persons: dict[str, Verdict] = {}
        self.protected_ids: set[str] = set()  # in tonight's source, on any row of the id
        self.known_protected = known.protected_ids if known is not None else frozenset()
        self.protected_hashes: dict[str, str] = {}  # keyed hash -> what it is a hash of
        self.links = PersonLinks()
        self.positions = Positions()
        self.repeats = Repeats()
        self.missing_protected: dict[str, bool] = {}  # ids missing tonight: protected before?
        self.withheld_of_missing: dict[str, int] = defaultdict(int)  # their memberships withheld
        self.read_by_start: dict[date | None, bool] = {None: True}
        self.active = ActiveMembers()
        self.with_members: set[str] = set()  # groups with a running member who is imported
        self.with_teacher: set[str] = set()  # … and a running teacher who is imported
        self.email_domains = {domain.lower() for domain in policy.email_domains}
        carried = roster.capabilities.roles  # the roles the format can say at all
        self.allowed_roles = [r for r in policy.allowed_roles if carried is None or r in carried]
        self.known_roles = KNOWN_ROLES if carried is None else KNOWN_ROLES & carried

    def run(self) -> Evaluation:
        roster = self.roster
        organisations = self._keyed("school", roster.schools, self.schools)
        self.other_orgs = {k: v for k, v in self.schools.items() if v.record.type != "school"}  # type: ignore[union-attr]
        for org_id in self.other_orgs:  # only a school unit can hold people and groups
            del self.schools[org_id]
        self.units_below = units_below(roster.schools)
        schools = [self._school(v) for v in organisations]
        groups = [self._group(v) for v in self._keyed("group", roster.groups, self.groups)]
        # keyed before the walks: `self.persons` also says which ids tonight's source has
        people = self._keyed("person", roster.persons, self.persons)
        if self.policy.exclude_protected_identity:
            self.protected_ids = {
                p.id for p in roster.persons if is_protected_marking(p.protected_marking)
            }
        self._link_memberships()
        persons = self._persons(people)
        self._settle_members()
        self._group_warnings()
        self._let_go()
        index = {"school": self.schools, "group": self.groups, "person": self.persons}
        return Evaluation(
            self.as_of,
            schools,
            groups,
            persons,
            JudgedMemberships(self._judged_memberships, self.positions.count),
            self._file_findings(sum(self.withheld_of_missing.values())),
            index,
            self.positions,
            list(self.protected_hashes.items()),
        )

    # -- shared ---------------------------------------------------------------------------

    def _keyed(self, kind: str, records: list, first: dict[str, Verdict]) -> list[Verdict]:
        """A verdict per record; repeats of an id become `<id>#2` … and are skipped. `first`
        (empty) gets each id's first verdict: the kinds other records point at. It also tells
        whether any id repeats, without a set of a million ids beside it."""
        ids = [record.id for record in records]
        verdicts = list(map(partial(Verdict, kind), ids, records))
        first.update(zip(ids, verdicts, strict=True))
        if len(first) != len(ids):  # an id repeats: the first row of each keeps it
            first.clear()
            verdicts = self._repeated(kind, records, first)
        for verdict in verdicts:
            for issue in verdict.record.issues:  # type: ignore[union-attr]
                severity = _SOURCE_SEVERITY.get(issue.code, "warning")
                verdict.add(Finding(issue.code, severity, issue.message, issue.field))
        return verdicts

    @staticmethod
    def _repeated(kind: str, records: list, first: dict[str, Verdict]) -> list[Verdict]:
        repeats: dict[str, int] = {}
        verdicts = []
        for record in records:
            original = first.get(record.id)
            if original is None:
                verdict = first[record.id] = Verdict(kind, record.id, record)
            else:
                count = repeats[record.id] = repeats.get(record.id, 1) + 1
                verdict = Verdict(kind, f"{record.id}#{count}", record)
                original = original.record
                where = original.raw.ref if original.raw else "an earlier row"
                verdict.add(
                    Finding(
                        f"{kind.upper()}_DUPLICATE_ID",
                        "error",
                        f"id {record.id!r} is already used by the row at {where}; the first wins",
                        "id",
                    )
                )
            verdicts.append(verdict)
        return verdicts

    def _dates(self, verdict: Verdict, start: date | None, end: date | None, codes: tuple) -> None:
        """The ended/not-started pair of rules every dated record shares."""
        if not self.roster.capabilities.dates:
            return
        ended_code, pending_code = codes
        if end is not None and end < self.as_of:
            verdict.add(Finding(ended_code, "exclude", f"ended on {end.isoformat()}", "end"))
        elif not self._is_read(start):
            appears = self.policy.appears_on(start, self.as_of)
            verdict.add(
                Finding(
                    pending_code,
                    "pending",
                    f"starts on {start.isoformat()}; will be read on {appears.isoformat()}",
                    "start",
                    appears_on=appears,
                )
            )

    def _is_read(self, start: date | None) -> bool:
        """Whether a record starting on `start` is read tonight; starts repeat, so memoised."""
        try:
            return self.read_by_start[start]
        except KeyError:
            read = self.read_by_start[start] = self.policy.is_read_on(start, self.as_of)
            return read

    def _is_active(self, start: date | None, end: date | None) -> bool:
        if not self.roster.capabilities.dates:
            return True
        return (end is None or end >= self.as_of) and self._is_read(start)

    @staticmethod
    def _cascade(verdict: Verdict, code: str, target: Verdict, message: str) -> None:
        deciding = target.deciding
        verdict.add(
            Finding(
                code,
                SEVERITY_OF_STATUS[target.status],
                message,
                cause=Cause(target.kind, target.key, deciding.code) if deciding else None,
                appears_on=target.appears_on,
            )
        )

    # -- schools and groups -----------------------------------------------------------------

    def _organisation(self, verdict: Verdict, org: School) -> Verdict:
        """An organisation that is not a school is a record too: one above school units is
        the roster's own structure; one nothing belongs to is left out, and says so."""
        if verdict.key == org.id and org.id not in self.units_below:
            verdict.add(
                Finding(
                    "SCHOOL_OTHER_ORGANISATION",
                    "exclude",
                    f"{org.name or org.id!r} is a {org.type}, not a school, and no school "
                    "unit belongs to it",
                    "type",
                )
            )
        self._inactive(verdict, org, "organisation")
        verdict.decide()
        return verdict

    def _school(self, verdict: Verdict) -> Verdict:
        school: School = verdict.record  # type: ignore[assignment]
        if school.type != "school":
            return self._organisation(verdict, school)
        if not self.policy.school_in_scope(school.id, school.name):
            verdict.add(
                Finding(
                    "SCHOOL_NOT_IN_SCOPE",
                    "exclude",
                    f"{school.name!r} is not in the policy's school list",
                )
            )
        self._inactive(verdict, school, "school")
        verdict.decide()
        return verdict

    def _inactive(self, verdict: Verdict, org: School, noun: str) -> None:
        """Deleted, closed or not yet open: SCHOOL_INACTIVE, for a school or any organisation."""
        if org.deleted:
            verdict.add(
                Finding("SCHOOL_INACTIVE", "exclude", f"the source marks the {noun} deleted")
            )
        elif org.end is not None and org.end < self.as_of:
            verdict.add(
                Finding("SCHOOL_INACTIVE", "exclude", f"closed on {org.end.isoformat()}", "end")
            )
        elif org.start is not None and not self.policy.is_read_on(org.start, self.as_of):
            verdict.add(
                Finding("SCHOOL_INACTIVE", "exclude", f"opens on {org.start.isoformat()}", "start")
            )

    def _group(self, verdict: Verdict) -> Verdict:
        group: Group = verdict.record  # type: ignore[assignment]
        if verdict.key == group.id:
            school = self.schools.get(group.school_id)
            if school is None:
                verdict.add(
                    Finding(
                        "GROUP_UNKNOWN_SCHOOL",
                        "error",
                        self._unknown_org(group.school_id, "its school"),
                        "school",
                    )
                )
            elif not school.imported:
                self._cascade(
                    verdict,
                    "GROUP_SCHOOL_NOT_IMPORTED",
                    school,
                    f"its school {school.record.name!r} was {school.status}",  # type: ignore[union-attr]
                )
            if group.deleted:
                verdict.add(
                    Finding("GROUP_INACTIVE", "exclude", "the source marks the group deleted")
                )
            if self.roster.capabilities.export_flag and not is_truthy_flag(group.export_flag):
                shown = repr(group.export_flag) if group.export_flag else "empty"
                verdict.add(
                    Finding(
                        "GROUP_NOT_EXPORTED",
                        "exclude",
                        f"export flag {self.policy.group_export_flag} is {shown}",
                        self.policy.group_export_flag,
                    )
                )
            self._dates(verdict, group.start, group.end, ("GROUP_ENDED", "GROUP_NOT_STARTED"))
            ended = group.end is not None and group.end < self.as_of
            if (
                self.roster.capabilities.school_year
                and group.school_year
                and not ended
                and not self.policy.is_current_school_year(group.school_year, self.as_of)
            ):
                verdict.add(
                    Finding(
                        "GROUP_WRONG_ACADEMIC_YEAR",
                        "error",
                        f"school year {group.school_year!r} is not the current academic year",
                        "school_year",
                    )
                )
            if group.type == "class" and not self.policy.class_name_is_specific(group.name):
                verdict.add(
                    Finding(
                        "GROUP_CLASS_NAME_NOT_SPECIFIC",
                        "error",
                        f"class name {group.name!r} names a year, not a class",
                        "name",
                    )
                )
        verdict.decide()
        return verdict

    def _unknown_org(self, org_id: str, what: str) -> str:
        if not org_id:
            return f"{what} is not given"
        org = self.other_orgs.get(org_id)
        if org is not None:
            return f"{what} {org_id!r} is a {org.record.type}, not a school"  # type: ignore[union-attr]
        return f"{what} {org_id!r} is not in the source"

    def _group_warnings(self) -> None:
        """Settled after persons, from what `_settle_members` found of imported members."""
        for group_id, verdict in self.groups.items():
            if not verdict.imported:
                continue
            if group_id not in self.with_members and self.roster.capabilities.memberships:
                verdict.add(Finding("GROUP_NO_MEMBERS", "warning", "no active members"))
            if group_id not in self.with_teacher and self.roster.capabilities.teacher_links:
                verdict.add(Finding("GROUP_NO_TEACHER", "warning", "no active teacher"))

    # -- persons ----------------------------------------------------------------------------

    def _persons(self, keyed: list[Verdict]) -> list[Verdict]:
        verdicts: list[Verdict] = []
        for verdict in keyed:
            person: Person = verdict.record  # type: ignore[assignment]
            if person.id in self.protected_ids:
                verdicts.append(self._protected(verdict, person))
                continue
            if person.refers_to and person.raw:
                named = [p for p in person.refers_to if self._refers_to_protected(p)]
                person.raw = person.raw.without(named) if named else person.raw
            if verdict.key == person.id:
                self._person(verdict, person)
            verdict.decide()
            verdicts.append(verdict)
        self._duplicate_emails(verdicts)
        return verdicts

    @staticmethod
    def _duplicate_emails(verdicts: list[Verdict]) -> None:
        """PERSON_DUPLICATE_EMAIL among the persons every other rule imports: a guardian, a
        protected or inactive person who holds the address first is never imported, so never
        takes it from a pupil. Settled after every person, as it depends on the others.

        The addresses are hashed first and only those whose hash repeats are compared: a
        million lower-cased addresses held at once were the night's peak (120 MB)."""

        def holding() -> Iterator[tuple[Verdict, Person, str]]:
            for verdict in verdicts:
                person: Person | None = verdict.record  # type: ignore[assignment]
                if verdict.status == "imported" and person is not None and person.email:
                    yield verdict, person, person.email.lower()

        repeats = Repeats()
        for _, _, email in holding():
            repeats.add(email)
        repeats.settle()
        if not repeats.suspects:
            return
        holders: dict[str, Person] = {}
        for verdict, person, email in holding():
            if hash(email) not in repeats.suspects:
                continue
            first = holders.setdefault(email, person)
            if first is not person:
                where = first.raw.ref if first.raw else ""
                verdict.add(
                    Finding(
                        "PERSON_DUPLICATE_EMAIL",
                        "error",
                        f"e-mail {person.email!r} is also {first.name or first.id}'s "
                        f"({first.id}, {where})",
                        "email",
                    )
                )
                verdict.decide()

    def _protected(self, verdict: Verdict, person: Person) -> Verdict:
        """Keep nothing but keyed hashes and the finding: the record itself is withheld. So is
        every other row with the id, marked or not, each under a key of its own (`id#2`'s
        hash), as two rows of one id are two records."""
        self.persons.pop(person.id, None)
        self._remember_protected(person)
        hidden = Verdict("person", f"protected:{self.protect(verdict.key)[:12]}", None)
        hidden.add(
            Finding(
                "PERSON_PROTECTED_IDENTITY",
                "exclude",
                "protected identity: details withheld",
            )
        )
        hidden.decide()
        return hidden

    def _remember_protected(self, person: Person) -> None:
        """The keyed hashes of what identifies a protected person (source id, e-mail, civic
        number, login ids), in the forms a search would hash: the id's wins a clash."""
        protect, hashes = self.protect, self.protected_hashes
        if person.email:
            hashes.setdefault(protect(person.email.lower()), "email")
        canonical = normalise_civic_no(person.civic_no) if person.civic_no else None
        if canonical:
            hashes.setdefault(protect(canonical), "civic_no")
        for login_id in person.login_ids:
            hashes.setdefault(protect(login_id.casefold()), "login_id")
        hashes[protect(person.id)] = "id"

    def _refers_to_protected(self, person_id: str) -> bool:
        """A person withheld tonight, or one not in tonight's source whom an earlier night
        withheld: only an id missing from the source is hashed (few, not a million)."""
        if person_id in self.protected_ids:
            return True
        if not self.known_protected or self._in_source(person_id):
            return False
        return self.protect(person_id) in self.known_protected

    def _in_source(self, person_id: str) -> bool:
        """Whether tonight's source has a row with this id: a protected person's verdict
        leaves `self.persons`, and her id is among `protected_ids`."""
        return person_id in self.persons or person_id in self.protected_ids

    def _withheld(self, person_id: str) -> bool:
        """Whether a membership of this person is left out: hers is a protected identity, or,
        protected on an earlier night, she has no row tonight (a truncated users file): stored,
        it would carry her id, groups and school. Only ids missing from the source are hashed."""
        if person_id in self.protected_ids:
            return True
        if person_id in self.persons:  # in the source (protected_ids were asked first)
            return False
        withheld = self.missing_protected.get(person_id)
        if withheld is None:
            withheld = self.missing_protected[person_id] = self._refers_to_protected(person_id)
        return withheld

    def _kept(self) -> Iterator[Membership]:
        """The memberships to judge, in source order: a walk over the source's, which may be
        a packed store on disk rather than a list (a district's ten million)."""
        withheld = self._withheld
        for membership in self.roster.memberships:
            if not withheld(membership.person_id):
                yield membership

    def _link_memberships(self) -> None:
        """The first walk, before persons are judged: what their group rules need, where each
        record's memberships sit, which ids repeat, and how many were withheld for a person
        who has no row tonight."""
        links, positions, repeats = self.links, self.positions, self.repeats
        groups, as_of, is_active = self.groups, self.as_of, self._is_active
        withheld, protected = self._withheld, self.protected_ids
        for membership in self.roster.memberships:
            person_id = membership.person_id
            if withheld(person_id):
                if person_id not in protected:
                    self.withheld_of_missing[person_id] += 1
                continue
            positions.add(membership)
            repeats.add(membership.id)
            if membership.deleted:
                continue
            end = membership.end
            active = is_active(membership.start, end)
            if active:
                self.active.add(membership.group_id, person_id, membership.role == "teacher")
            group = groups.get(membership.group_id)
            if group is None or (end is not None and end < as_of):
                continue
            links.add(person_id, membership.start, end, group, active and group.imported)
        repeats.settle()

    def _settle_members(self) -> None:
        """Once persons are judged: which groups have a running membership of an imported
        person, and of an imported teacher (GROUP_NO_MEMBERS, GROUP_NO_TEACHER). The first
        walk's samples settle it on a usual night; else the memberships are walked again, a
        repeated id counted once."""
        persons = self.persons

        def imported(person_id: str) -> bool:
            person = persons.get(person_id)
            return person is not None and person.status == "imported"

        def warned(group_id: str) -> bool:
            group = self.groups.get(group_id)
            return group is not None and group.imported

        settled = None if self.repeats.suspects else self.active.settle(imported, warned)
        if settled is not None:
            self.with_members, self.with_teacher = settled
            return
        occurrences = self.repeats.walk()
        for membership in self._kept():
            if occurrences.count(membership) > 1 or membership.deleted:
                continue
            if imported(membership.person_id) and self._is_active(membership.start, membership.end):
                self.with_members.add(membership.group_id)
                if membership.role == "teacher":
                    self.with_teacher.add(membership.group_id)

    def _let_go(self) -> None:
        """What only the person and group rules needed. The store's walk over the memberships
        keeps this evaluator alive (it judges them as they are written), not these: at a million
        persons they are some 150 MB the night's peak no longer holds. Asked for later, they
        fail loudly rather than answer from a finished night."""
        del self.links, self.active, self.with_members, self.with_teacher

    def _judged_memberships(self) -> Iterator[Verdict]:
        """The last walk, as the store writes: each membership's verdict, made and let go."""
        occurrences = self.repeats.walk()
        for membership in self._kept():
            number = occurrences.count(membership)
            if number == 1:
                verdict = Verdict("membership", membership.id, membership)
            else:
                verdict = Verdict("membership", f"{membership.id}#{number}", membership)
                first = occurrences.first[membership.id].raw
                where = first.ref if first else "an earlier row"
                verdict.add(
                    Finding(
                        "MEMBERSHIP_DUPLICATE_ID",
                        "error",
                        f"id {membership.id!r} is already used by the row at {where}; "
                        "the first wins",
                        "id",
                    )
                )
            for issue in membership.issues:
                severity = _SOURCE_SEVERITY.get(issue.code, "warning")
                verdict.add(Finding(issue.code, severity, issue.message, issue.field))
            yield self._membership(verdict)

    def _file_findings(self, withheld_memberships: int) -> list[FileFinding]:
        """The source's file findings, without those naming a protected person; what was
        withheld is said as a count, in one run finding that names nobody."""
        findings = self.roster.file_findings
        kept = [f for f in findings if not any(map(self._refers_to_protected, f.refers_to))]
        withheld_findings = len(findings) - len(kept)
        parts = []
        if withheld_memberships:
            parts.append(
                f"{_counted(withheld_memberships, 'membership', 'refers', 'refer')} to a person "
                "with a protected identity whose row is not in tonight's source"
            )
        if withheld_findings:
            parts.append(
                f"{_counted(withheld_findings, 'file finding', 'names', 'name')} a person with "
                "a protected identity"
            )
        if parts:
            alone = withheld_memberships + withheld_findings == 1
            message = "; ".join(parts) + ("; it is withheld" if alone else "; they are withheld")
            kept.append(FileFinding("PERSON_PROTECTED_IDENTITY", "run", "", message))
        return kept

    def _person(self, verdict: Verdict, person: Person) -> None:
        if person.inactive_reason:
            verdict.add(Finding("PERSON_INACTIVE", "exclude", person.inactive_reason))
        if not self._role(verdict, person):
            return  # a guardian is not judged as a pupil: nothing else about them matters
        if not person.given_name:
            verdict.add(
                Finding("PERSON_MISSING_GIVEN_NAME", "error", "given name is empty", "given_name")
            )
        if not person.family_name:
            verdict.add(
                Finding(
                    "PERSON_MISSING_FAMILY_NAME", "error", "family name is empty", "family_name"
                )
            )
        self._email(verdict, person)
        if person.civic_no:
            problem = civic_no_problem(person.civic_no, self.as_of)
            if problem:
                verdict.add(Finding("PERSON_INVALID_CIVIC_NO", "warning", problem, "civic_no"))
        if self.known is not None and self.known.ids:  # not before a good run with persons
            self._id_changed(verdict, person)
        self._schools_of(verdict, person)
        if not any(f.severity in ("exclude", "pending") for f in verdict.findings):
            self._groups_of(verdict, person)

    def _role(self, verdict: Verdict, person: Person) -> bool:
        """Whether the role is one the policy imports. A known role it leaves out (a guardian)
        is an exclusion, not a fault; a value nobody knows is the registry's to correct."""
        if person.role in self.allowed_roles:
            return True
        if person.role in self.known_roles:
            verdict.add(
                Finding(
                    "PERSON_ROLE_NOT_IMPORTED",
                    "exclude",
                    f"role {person.role!r} is not imported (allowed_roles: "
                    f"{', '.join(self.allowed_roles)})",
                    "role",
                )
            )
            return False
        shown = repr(person.role) if person.role else "empty"
        verdict.add(
            Finding(
                "PERSON_UNKNOWN_ROLE",
                "error",
                f"role {shown} is not a known role ({', '.join(sorted(self.known_roles))})",
                "role",
            )
        )
        return True

    def _id_changed(self, verdict: Verdict, person: Person) -> None:
        """Same e-mail (or, with use_civic_no, personnummer) as last night's person under
        another id that is gone from the source: the registry re-issued the id."""
        known = self.known
        assert known is not None
        if person.id in known.ids:
            return
        matches = []
        if person.email:
            matches.append(("e-mail", known.by_email.get(person.email.lower())))
        if self.policy.use_civic_no and person.civic_no:
            canonical = normalise_civic_no(person.civic_no, self.as_of)
            if canonical:
                matches.append(("personnummer", known.by_civic_hash.get(self.protect(canonical))))
        for what, old_id in matches:
            if old_id and not self._in_source(old_id) and not self._refers_to_protected(old_id):
                verdict.add(
                    Finding(
                        "PERSON_ID_CHANGED",
                        "warning",
                        f"same {what} as {old_id!r} in the last good run, which is gone from "
                        f"the source: the account under {old_id!r} would be orphaned and a new "
                        f"one made for {person.id!r}",
                        "id",
                    )
                )
                return

    def _email(self, verdict: Verdict, person: Person) -> None:
        address = person.email
        if not address:
            severity = "error" if self.policy.require_email else "warning"
            verdict.add(Finding("PERSON_MISSING_EMAIL", severity, "no e-mail", "email"))
            return
        if not is_valid_email(address):
            verdict.add(
                Finding(
                    "PERSON_INVALID_EMAIL", "error", f"e-mail {address!r} is not valid", "email"
                )
            )
            return
        if self.email_domains and email_domain(address) not in self.email_domains:
            allowed = ", ".join(self.policy.email_domains)
            verdict.add(
                Finding(
                    "PERSON_EMAIL_DOMAIN",
                    "error",
                    f"e-mail domain {email_domain(address)!r} is not one of {allowed}",
                    "email",
                )
            )

    def _schools_of(self, verdict: Verdict, person: Person) -> None:
        """A person needs an imported school, and an enrolment or duty running there."""
        known = [p for p in person.placements if p.school_id in self.schools]
        if not known:
            named = [self._unknown_org(p.school_id, "").strip() for p in person.placements]
            detail = "; ".join(named) if named else "no school is named"
            verdict.add(
                Finding(
                    "PERSON_NO_SCHOOL", "error", f"not at any known school ({detail})", "school"
                )
            )
            return
        at_imported = [p for p in known if self.schools[p.school_id].imported]
        if not at_imported:
            first = self.schools[known[0].school_id]
            out_of_scope = all(
                (d := self.schools[p.school_id].deciding) is not None
                and d.code == "SCHOOL_NOT_IN_SCOPE"
                for p in known
            )
            if out_of_scope:
                verdict.add(
                    Finding(
                        "PERSON_SCHOOL_NOT_IN_SCOPE",
                        "exclude",
                        "only at schools outside the policy's school list",
                        cause=Cause("school", first.key, "SCHOOL_NOT_IN_SCOPE"),
                    )
                )
            else:
                self._cascade(
                    verdict,
                    "PERSON_SCHOOL_NOT_IMPORTED",
                    first,
                    f"school {first.record.name!r} was {first.status}",  # type: ignore[union-attr]
                )
            return
        self._placement_dates(verdict, person, at_imported)

    def _placement_dates(self, verdict: Verdict, person: Person, placements: list[Placement]):
        if any(self._is_active(p.start, p.end) for p in placements):
            return
        student = person.role == "student"
        upcoming = [
            p.start for p in placements if p.start and (p.end is None or p.end >= self.as_of)
        ]
        if upcoming:
            start = min(upcoming)
            appears = self.policy.appears_on(start, self.as_of)
            code = "STUDENT_ENROLMENT_NOT_STARTED" if student else "STAFF_DUTY_NOT_STARTED"
            verdict.add(
                Finding(
                    code,
                    "pending",
                    f"{'enrolment' if student else 'employment'} starts on {start.isoformat()}; "
                    f"will be read on {appears.isoformat()}",
                    "start",
                    appears_on=appears,
                )
            )
        else:
            code = "STUDENT_NO_ACTIVE_ENROLMENT" if student else "STAFF_NO_ACTIVE_DUTY"
            last = max((p.end for p in placements if p.end), default=None)
            ended = f"ended on {last.isoformat()}" if last else "ended"
            verdict.add(
                Finding(code, "exclude", f"every {'enrolment' if student else 'duty'} {ended}")
            )

    def _groups_of(self, verdict: Verdict, person: Person) -> None:
        """STUDENT_NO_CLASS / TEACHER_NO_GROUP count only running memberships in imported groups."""
        capabilities = self.roster.capabilities
        if person.role == "student" and capabilities.memberships:
            self._needs_group(
                verdict,
                person,
                True,
                "STUDENT_NO_CLASS",
                self.policy.student_requires_class,
                ("class", "STUDENT_ENROLMENT_NOT_STARTED"),
            )
        elif person.role == "teacher" and capabilities.teacher_links:
            self._needs_group(
                verdict,
                person,
                False,
                "TEACHER_NO_GROUP",
                self.policy.teacher_requires_group,
                ("group", "STAFF_DUTY_NOT_STARTED"),
            )

    def _needs_group(
        self,
        verdict: Verdict,
        person: Person,
        classes_only: bool,
        code: str,
        required: bool,
        later: tuple[str, str],
    ) -> None:
        if self.links.running(person.id, classes_only):
            return  # the usual pupil or teacher: a running group settles it
        candidates = self.links.others(person.id, classes_only)
        noun, pending_code = later
        upcoming = [c.start for c in candidates if c.group.imported and c.start]
        if required and upcoming:
            start = min(upcoming)
            appears = self.policy.appears_on(start, self.as_of)
            verdict.add(
                Finding(
                    pending_code,
                    "pending",
                    f"no {noun} until {start.isoformat()}; will be read on {appears.isoformat()}",
                    "groups",
                    appears_on=appears,
                )
            )
            return
        # no group here is both running and imported: a running one is the blocked one
        blocked = next((c.group for c in candidates if self._is_active(c.start, c.end)), None)
        severity = "error" if required else "warning"
        if blocked is None:
            verdict.add(Finding(code, severity, f"no active {noun}", "groups"))
            return
        deciding = blocked.deciding
        root = Cause("group", blocked.key, deciding.code) if deciding else None
        verdict.add(
            Finding(
                code,
                severity,
                f"no active {noun}: {blocked.record.name!r} was {blocked.status}",  # type: ignore[union-attr]
                "groups",
                cause=root,
            )
        )

    # -- memberships ------------------------------------------------------------------------

    def _membership(self, verdict: Verdict) -> Verdict:
        """Most memberships are plainly fine: they leave through the first `return`."""
        membership: Membership = verdict.record  # type: ignore[assignment]
        if verdict.key != membership.id:
            verdict.decide()
            return verdict
        person = self.persons.get(membership.person_id)
        group = self.groups.get(membership.group_id)
        if (
            person is not None
            and person.status == "imported"
            and group is not None
            and group.status == "imported"
            and not verdict.findings
            and membership.role in KNOWN_ROLES
            and not membership.deleted
            and self._is_active(membership.start, membership.end)
        ):
            return verdict
        if person is None:
            named = membership.person_ref or f"person {membership.person_id!r}"
            verdict.add(
                Finding(
                    "MEMBERSHIP_UNKNOWN_PERSON", "error", f"{named} is not in the source", "person"
                )
            )
        if group is None:
            verdict.add(
                Finding(
                    "MEMBERSHIP_UNKNOWN_GROUP",
                    "error",
                    f"group {membership.group_id!r} is not in the source",
                    "group",
                )
            )
        if membership.role not in KNOWN_ROLES:
            verdict.add(
                Finding(
                    "MEMBERSHIP_INVALID_ROLE",
                    "error",
                    f"role {membership.role!r} is not one of {', '.join(sorted(KNOWN_ROLES))}",
                    "role",
                )
            )
        if membership.deleted:
            verdict.add(Finding("MEMBERSHIP_INACTIVE", "exclude", "the source marks it deleted"))
        self._dates(
            verdict,
            membership.start,
            membership.end,
            ("MEMBERSHIP_ENDED", "MEMBERSHIP_NOT_STARTED"),
        )
        if person is not None and not person.imported:
            self._cascade(
                verdict,
                "MEMBERSHIP_PERSON_NOT_IMPORTED",
                person,
                f"{person.record.name or person.key} was {person.status}",  # type: ignore[union-attr]
            )
        if group is not None and not group.imported:
            self._cascade(
                verdict,
                "MEMBERSHIP_GROUP_NOT_IMPORTED",
                group,
                f"group {group.record.name!r} was {group.status}",  # type: ignore[union-attr]
            )
        verdict.decide()
        return verdict


def _counted(count: int, noun: str, verb_one: str, verb_many: str) -> str:
    """Say "1 membership refers" or "4 memberships refer"."""
    if count == 1:
        return f"1 {noun} {verb_one}"
    return f"{count:,} {noun}s {verb_many}"
