"""Protected stays protected (issue 11): a person with a protected identity leaves keyed hashes
and one withheld record, and nothing that carries their id — not on the night their row is
there, not on a night the users file lacks it (a truncated export), not through a duplicate row.

The pure rules are asked through `evaluate()` on in-memory rosters; the rest goes through the
real sync into a real SQLite file, its exports, and the bytes left on disk.
"""

from __future__ import annotations

import copy
import csv
import hmac
import sqlite3
import zipfile
from datetime import date, timedelta
from hashlib import sha256
from pathlib import Path

import pytest
import sqlite_utils

from rostertui.demo import write_demo_month
from rostertui.domain.evaluate import evaluate
from rostertui.domain.model import (
    FileFinding,
    Group,
    Membership,
    Person,
    Placement,
    Roster,
    School,
)
from rostertui.domain.policy import Policy
from rostertui.domain.verdict import Evaluation, KnownPersons
from rostertui.exports import SUFFIXES, export_file
from rostertui.store import runs
from rostertui.store.queries import Queries
from rostertui.store.schema import MIGRATIONS
from rostertui.sync import sync
from tests.oneroster_builder import AS_OF, CLASS, GROUP, Bundle, clean_roster, enrollment, klass
from tests.oneroster_builder import user as user_row
from tests.servers.harness import fast_http, outcome, policy_file, ss12000_server, ss_url
from tests.servers.world import small_world

HEDVIG = "usr-000947"
HER_ENROLMENTS = {"enr-hl-9b": CLASS, "enr-hl-ma": GROUP, "enr-hl-sv": "sv9"}
HER_EMAIL = "hedvig.lindqvist@skola.se"
HER_CIVIC = "20110505-2388"
HER_LDAP = "hl0947x"
MARKING = "Skyddad folkbokföring"
SECRETS = (
    HEDVIG,
    *HER_ENROLMENTS,
    "hedvig",
    "lindqvist",
    HER_EMAIL,
    HER_CIVIC,
    HER_CIVIC.replace("-", ""),
    HER_CIVIC[2:],
    HER_CIVIC[:9] + "****",  # as a stored record would show it
    HER_LDAP,
    "skyddad",
)
"""Everything of hers a user could recognise: id, enrolment ids, names, e-mail, personnummer
in its layouts, login id, the marking itself. Compared lower-cased."""
POLICY = (
    'protected_identity_field = "metadata.securityMarking"\ncivic_no_field = "metadata.civicNo"\n'
)
WITHHELD = "refer to a person with a protected identity whose row is not in tonight's source"


def protect(value: str) -> str:
    """A keyed hash, as the database's: what the evaluator is given."""
    return hmac.new(b"a key of the test's own", value.encode(), sha256).hexdigest()


def leaks(data: bytes, secrets: tuple[str, ...] = SECRETS) -> list[str]:
    text = data.lower()
    return [secret for secret in secrets if secret.lower().encode() in text]


# --- evaluate() on in-memory rosters -------------------------------------------------------------


def pupil(person_id: str, given: str, family: str, marking: str = "") -> Person:
    local = f"{given}.{family}".lower()
    return Person(
        person_id,
        given,
        family,
        f"{local}@skola.se",
        "student",
        [Placement("sch1")],
        civic_no=HER_CIVIC if person_id == HEDVIG else "",
        protected_marking=marking,
        login_ids=(local, person_id.upper()),
    )


def a_night(*persons: Person, file_findings: list[FileFinding] | None = None) -> Roster:
    """Karin teaches 9B; Erik is in 9B; Hedvig's enrolments are in 9B and in Sv 9, a group
    nobody else is in — whether or not the night has her row (`persons`)."""
    memberships = [
        Membership("e1", "t1", "9b", "teacher"),
        Membership("e5", "p2", "9b", "student"),
        Membership("enr-hl-9b", HEDVIG, "9b", "student"),
        Membership("enr-hl-sv", HEDVIG, "sv9", "student"),
    ]
    return Roster(
        "test",
        "oneroster-csv",
        schools=[School("sch1", "Centralskolan")],
        persons=[
            Person("t1", "Karin", "Lund", "karin.lund@skola.se", "teacher", [Placement("sch1")]),
            pupil("p2", "Erik", "Berg"),
            *persons,
        ],
        groups=[Group("9b", "9B", "class", "sch1"), Group("sv9", "Sv 9", "teaching group", "sch1")],
        memberships=memberships,
        file_findings=file_findings or [],
    )


def hedvig(marking: str = MARKING) -> Person:
    return pupil(HEDVIG, "Hedvig", "Lindqvist", marking)


def judged(roster: Roster, known: KnownPersons | None = None) -> Evaluation:
    return evaluate(roster, Policy(), AS_OF, protect, known)


def knowing_her(ids: frozenset[str] = frozenset()) -> KnownPersons:
    """What the store knows after a night that withheld Hedvig."""
    return KnownPersons(ids, {}, {}, frozenset({protect(HEDVIG)}))


def everything_said(evaluation: Evaluation) -> str:
    """Every key, name, e-mail and message the night would store, as one text."""
    parts = []
    for verdicts in evaluation.by_kind().values():
        for verdict in verdicts:
            parts.append(verdict.key)
            record = verdict.record
            if record is not None:
                parts += [record.id, getattr(record, "name", ""), getattr(record, "email", "")]
                parts.append(getattr(record, "person_id", ""))
            parts += [f.message for f in verdict.findings]
    parts += [f"{f.key} {f.message} {f.ref}" for f in evaluation.file_findings]
    return "\n".join(parts)


def group_codes(evaluation: Evaluation) -> dict[str, set[str]]:
    return {v.key: {f.code for f in v.findings} for v in evaluation.groups}


def test_a_protected_pupil_is_one_withheld_record_and_keyed_hashes():
    night = judged(a_night(hedvig()))
    [hidden] = [v for v in night.persons if v.record is None]
    assert hidden.key == f"protected:{protect(HEDVIG)[:12]}"
    assert [f.code for f in hidden.findings] == ["PERSON_PROTECTED_IDENTITY"]
    assert {v.key for v in night.memberships} == {"e1", "e5"}
    assert dict(night.protected_hashes) == {
        protect(HEDVIG): "id",
        protect(HER_EMAIL): "email",
        protect(HER_CIVIC.replace("-", "")): "civic_no",
        protect("hedvig.lindqvist"): "login_id",  # her other login id is her id, upper-cased
    }
    assert leaks(everything_said(night).encode()) == []
    assert night.file_findings == []  # nothing referred to her without her row


def test_a_night_without_her_row_withholds_her_memberships_and_says_how_many():
    unknown = judged(a_night())  # the store has never seen her protected: an unknown person
    assert {v.key for v in unknown.memberships} >= {"enr-hl-9b", "enr-hl-sv"}
    assert HEDVIG in everything_said(unknown)
    night = judged(a_night(), knowing_her())
    assert {v.key for v in night.memberships} == {"e1", "e5"}
    assert leaks(everything_said(night).encode()) == []
    assert [(f.code, f.kind, f.message) for f in night.file_findings] == [
        ("PERSON_PROTECTED_IDENTITY", "run", f"2 memberships {WITHHELD}; they are withheld")
    ]
    assert night.protected_hashes == []  # tonight withheld no one by a row of theirs


def test_her_groups_look_as_they_do_when_her_row_is_there():
    """Sv 9 has only her: no members and no teacher, with her row, without it, known or not."""
    with_row = group_codes(judged(a_night(hedvig())))
    assert with_row["sv9"] == {"GROUP_NO_MEMBERS", "GROUP_NO_TEACHER"}
    assert group_codes(judged(a_night(), knowing_her())) == with_row
    assert group_codes(judged(a_night())) == with_row


def test_someone_else_missing_from_the_source_is_still_reported():
    roster = a_night()
    roster.memberships.append(Membership("e9", "p7", "9b", "student"))
    night = judged(roster, knowing_her())
    [e9] = [v for v in night.memberships if v.key == "e9"]
    assert [(f.code, f.message) for f in e9.findings] == [
        ("MEMBERSHIP_UNKNOWN_PERSON", "person 'p7' is not in the source")
    ]
    assert [f.message for f in night.file_findings] == [
        f"2 memberships {WITHHELD}; they are withheld"
    ]


def test_her_row_back_without_a_marking_is_judged_as_anyone():
    """The registry lifted the marking: she is in tonight's source, so nothing is withheld."""
    night = judged(a_night(hedvig(marking="")), knowing_her())
    assert {v.key for v in night.persons} == {"t1", "p2", HEDVIG}
    assert {v.key for v in night.memberships} == {"e1", "e5", "enr-hl-9b", "enr-hl-sv"}
    assert night.file_findings == []


def test_a_file_finding_that_names_her_is_withheld_and_counted():
    """The SS 12000 reader's "duties name person X, who is not in /persons", for her and for
    someone never protected."""

    def duties(person_id: str) -> FileFinding:
        message = f"1 duties name person {person_id!r}, who is not in /persons"
        return FileFinding(
            "SOURCE_REFERENCE_UNKNOWN", "file", "/duties", message, refers_to=(person_id,)
        )

    night = judged(a_night(file_findings=[duties(HEDVIG), duties("t9")]), knowing_her())
    assert [(f.code, f.message) for f in night.file_findings] == [
        ("SOURCE_REFERENCE_UNKNOWN", "1 duties name person 't9', who is not in /persons"),
        (
            "PERSON_PROTECTED_IDENTITY",
            f"2 memberships {WITHHELD}; 1 file finding names a person with a protected "
            "identity; they are withheld",
        ),
    ]
    assert leaks(everything_said(night).encode()) == []


@pytest.mark.parametrize("marked", ["first", "second", "both"])
def test_two_rows_of_a_protected_id_are_both_withheld_under_keys_of_their_own(marked):
    first = hedvig(MARKING if marked != "second" else "")
    second = hedvig(MARKING if marked != "first" else "")
    second.email, second.given_name = "hedvig.l@skola.se", "Hedvig Maria"
    night = judged(a_night(first, second))
    hidden = [v for v in night.persons if v.record is None]
    assert [v.key for v in hidden] == [
        f"protected:{protect(HEDVIG)[:12]}",
        f"protected:{protect(HEDVIG + '#2')[:12]}",
    ]
    assert all(v.status == "excluded" for v in hidden)
    assert {v.key for v in night.persons} - {v.key for v in hidden} == {"t1", "p2"}
    assert {v.key for v in night.memberships} == {"e1", "e5"}
    assert leaks(everything_said(night).encode(), (*SECRETS, "hedvig.l@skola.se")) == []
    assert protect("hedvig.l@skola.se") in dict(night.protected_hashes)


def test_before_any_good_run_the_store_still_knows_her(tmp_path):
    """Hashes kept, no good run yet: a KnownPersons with no persons, so a first night's
    PERSON_ID_CHANGED stays quiet while her references are withheld."""
    conn = sqlite3.connect(tmp_path / "r.db")
    for migration in MIGRATIONS:
        conn.executescript(migration)
    db = sqlite_utils.Database(conn)
    assert runs.known_persons(db) is None
    conn.execute(
        "INSERT INTO protected_hashes VALUES (?, 'id', 1), (?, 'email', 1)",
        [protect(HEDVIG), protect(HER_EMAIL)],
    )
    known = runs.known_persons(db)
    assert known == KnownPersons(frozenset(), {}, {}, frozenset({protect(HEDVIG)}))
    roster = a_night(pupil("p3", "Hedvig", "Lindqvist"))  # same e-mail, another id
    night = judged(roster, known)
    assert all(f.code != "PERSON_ID_CHANGED" for v in night.persons for f in v.findings), (
        night.persons
    )
    assert {v.key for v in night.memberships} == {"e1", "e5"}
    conn.close()


# --- the real sync, a real SQLite file, every export ---------------------------------------------


def her_bundle() -> Bundle:
    """The clean roster with Hedvig Lindqvist, protected, in 9B, Ma 9B and Sv 9 (hers alone)."""
    bundle = clean_roster()
    bundle.row("users", "t1").update({"metadata.civicNo": "", "metadata.securityMarking": ""})
    bundle.add("classes", klass("sv9", "Sv 9"))
    row = user_row(HEDVIG, "student", "Hedvig", "Lindqvist", HER_EMAIL)
    row |= {
        "userIds": f"{{LDAP:{HER_LDAP}}}",
        "metadata.civicNo": HER_CIVIC,
        "metadata.securityMarking": MARKING,
    }
    bundle.add("users", row)
    for sourced_id, class_id in HER_ENROLMENTS.items():
        bundle.add("enrollments", enrollment(sourced_id, HEDVIG, class_id))
    return bundle


def synced(bundle: Bundle, tmp: Path, night: int):
    policy = tmp / "policy.toml"
    policy.write_text(POLICY, encoding="utf-8")
    folder = bundle.write(tmp / f"night{night}")
    return sync(tmp / "r.db", str(folder), policy_path=policy, as_of=AS_OF + timedelta(night))


def on_disk(db: Path) -> bytes:
    """The database file and its write-ahead log, read while a reader still has it open."""
    files = [db, db.with_name(db.name + "-wal")]
    assert db.exists()
    return b"".join(path.read_bytes() for path in files if path.exists())


def exported(q: Queries, run_id: int, folder: Path) -> dict[str, bytes]:
    """Every export format of the run, as the bytes a customer receives (xlsx: its XML)."""
    written = {}
    for suffix in SUFFIXES:
        path = folder / f"run{run_id}{suffix}"
        export_file(path, q.export_rows(run_id))
        if suffix == ".xlsx":
            with zipfile.ZipFile(path) as book:
                written[suffix] = b"".join(book.read(name) for name in book.namelist())
        else:
            written[suffix] = path.read_bytes()
    return written


def test_a_night_whose_users_file_lacks_her_row_stores_and_exports_nothing_of_hers(tmp_path):
    """Night 2's users.csv is cut short (Erik and Hedvig are missing, her enrolments are not):
    the run is held. Erik's memberships say he is not in the source; hers say nothing."""
    first = synced(her_bundle(), tmp_path, 1)
    assert first.state == "good"
    cut = her_bundle()
    cut.drop("users", "p2", HEDVIG)
    second = synced(cut, tmp_path, 2)
    assert second.state == "held", second
    with Queries.open(tmp_path / "r.db") as q:
        stored = on_disk(tmp_path / "r.db")
        assert leaks(stored) == [], "her details are in the database file or its WAL"
        for run_id in (first.run_id, second.run_id):
            for suffix, data in exported(q, run_id, tmp_path).items():
                assert leaks(data) == [], f"her details are in run {run_id}'s {suffix} export"
        run_findings = q.run_findings(second.run_id)
        rows = list(q.export_rows(second.run_id))
    assert ("run", str(second.run_id), "PERSON_PROTECTED_IDENTITY") in {
        (kind, key, code) for kind, key, code, _, _ in run_findings
    }
    [withheld] = [m for _, _, code, m, _ in run_findings if code == "PERSON_PROTECTED_IDENTITY"]
    assert withheld == f"3 memberships {WITHHELD}; they are withheld"
    unknown = {r["key"] for r in rows if r["code"] == "MEMBERSHIP_UNKNOWN_PERSON"}
    assert unknown == {"e5", "e6"}  # Erik's
    [withheld_row] = [r for r in rows if r["code"] == "PERSON_PROTECTED_IDENTITY"]
    assert (withheld_row["kind"], withheld_row["severity"]) == ("run", "exclude")


def test_sv9_warns_alike_whether_her_row_is_there_or_not(tmp_path):
    synced(her_bundle(), tmp_path, 1)
    cut = her_bundle()
    cut.drop("users", HEDVIG)
    synced(cut, tmp_path, 2)
    with Queries.open(tmp_path / "r.db") as q:
        first, second = sorted(run.id for run in q.runs())
        codes = [
            {f.code for f in q.record(run_id, "group", "sv9").findings}  # type: ignore[union-attr]
            for run_id in (first, second)
        ]
    assert codes[0] == codes[1] == {"GROUP_NO_MEMBERS", "GROUP_NO_TEACHER"}


def test_a_pupil_protected_since_the_last_good_run_is_removed_without_a_trace(tmp_path):
    """Night 1 she is an ordinary pupil (history the database keeps); night 2 she is marked;
    night 3 her row is missing. Nights 2 and 3 say she was removed (held, as any removal
    past the threshold) under her withheld key, and copy nothing of her in as absent: the
    copy would show her name, her id and her enrolments."""
    unmarked = her_bundle()
    unmarked.row("users", HEDVIG)["metadata.securityMarking"] = ""
    without_her = her_bundle()
    without_her.drop("users", HEDVIG)
    nights = [synced(b, tmp_path, n) for n, b in enumerate((unmarked, her_bundle(), without_her))]
    assert [n.state for n in nights] == ["good", "held", "held"]
    with Queries.open(tmp_path / "r.db") as q:
        assert q.record(nights[0].run_id, "person", HEDVIG) is not None
        for night in nights[1:]:
            assert q.record(night.run_id, "person", HEDVIG) is None
            assert all(q.record(night.run_id, "membership", e) is None for e in HER_ENROLMENTS)
            for suffix, data in exported(q, night.run_id, tmp_path).items():
                assert leaks(data) == [], f"her details are in run {night.run_id}'s {suffix}"
            traces = q.db.execute(
                "SELECT count(*) FROM records WHERE run_id = ? AND (key = ? OR person_key = ? "
                "OR name LIKE '%Lindqvist%' OR key IN (?, ?, ?))",
                [night.run_id, HEDVIG, HEDVIG, *HER_ENROLMENTS],
            ).fetchone()[0]
            assert traces == 0
            removed = [
                r for r in q.export_rows(night.run_id, kind="person") if r["change"] == "removed"
            ]
            [hidden] = {r["key"] for r in removed}
            assert hidden.startswith("protected:")
            assert {r["status"] for r in removed} == {
                "excluded" if night is nights[1] else "absent"
            }
        assert [i.removed for i in q.imports(nights[2].run_id) if i.kind == "person"] == [1]


@pytest.mark.parametrize("marked", ["first", "second"])
def test_two_users_rows_of_her_id_sync_and_store_nothing_in_clear(tmp_path, marked):
    """A crash before: two records keyed protected:<hash of her id> broke the unique index."""
    bundle = her_bundle()
    twin = bundle.copy_row("users", HEDVIG, email="hedvig.maria@skola.se", givenName="Maria")
    row = bundle.row("users", HEDVIG)
    (twin if marked == "first" else row)["metadata.securityMarking"] = ""
    result = synced(bundle, tmp_path, 1)
    assert result.state == "good", result
    with Queries.open(tmp_path / "r.db") as q:
        assert leaks(on_disk(tmp_path / "r.db"), (*SECRETS, "hedvig.maria")) == []
        hidden = [
            r["key"]
            for r in q.export_rows(result.run_id, kind="person")
            if r["code"] == "PERSON_PROTECTED_IDENTITY"
        ]
    assert len(hidden) == 2 and len(set(hidden)) == 2


def test_an_ss12000_night_without_her_keeps_her_duty_and_groups_out(tmp_path, monkeypatch):
    """A protected teacher and a protected pupil, then a night /persons leaves both out: her
    duty is still in /duties (the reader's "duties name person …, who is not in /persons"),
    her teaching in /activities, the pupil's class in /groups."""
    fast_http(monkeypatch)
    world = small_world()
    teacher = next(p for p in world.persons if p.id == "t2")
    teacher.id, teacher.given, teacher.family = "stf-000513", "Ingrid", "Tystberg"
    teacher.email, teacher.marking = "ingrid.tystberg@skola.se", MARKING
    for member in world.members:
        member.person = "stf-000513" if member.person == "t2" else member.person
    full = world.ss12000()
    without = copy.deepcopy(full)
    without["persons"] = [p for p in full["persons"] if p["id"] not in ("stf-000513", "p4")]
    db, policy = tmp_path / "r.db", policy_file(tmp_path)
    nights = []
    for number, data in enumerate((full, without), start=1):
        with ss12000_server(monkeypatch, data=data) as server:
            nights.append(
                sync(db, ss_url(server), policy_path=policy, as_of=AS_OF + timedelta(number))
            )
    assert [n.state for n in nights] == ["good", "good"]
    secrets = ("stf-000513", "tystberg", "ingrid.", "197506302384", "p4/", "hemlig")
    with Queries.open(db) as q:
        assert leaks(on_disk(db), (*secrets, '"p4"')) == []
        for suffix, data in exported(q, nights[1].run_id, tmp_path).items():
            assert leaks(data, secrets) == [], suffix
        rows = list(q.export_rows(nights[1].run_id))
    assert not [r for r in rows if r["key"] == "p4" or "'p4'" in r["message"]]
    seen = [outcome(db, n.run_id) for n in nights]
    assert (
        "PERSON_PROTECTED_IDENTITY",
        f"2 memberships {WITHHELD}; 1 file finding names a person with a protected identity; "
        "they are withheld",
    ) in seen[1].run_messages
    assert seen[0].codes("group", "7c") == seen[1].codes("group", "7c")


# --- the demo's truncated night -------------------------------------------------------------------


def test_the_demos_held_night_leaves_no_trace_of_a_protected_pupil_it_cut(tmp_path):
    """The demo month's truncated users.csv keeps 40 % of its rows; a protected pupil it cut
    still has her enrolments in enrollments.csv. Synced after the night before, the held night
    stores none of her id, enrolment ids, name, e-mail, personnummer or login."""
    month = write_demo_month(tmp_path / "month", today=date(2026, 11, 22), nights=12, people=500)
    [cut] = [i for i, night in enumerate(month) if "export_truncated" in night.events]
    before, truncated = month[cut - 1], month[cut]

    def rows(night, name: str) -> list[dict[str, str]]:
        with (night.bundle.folder / name).open(encoding="utf-8", newline="") as handle:
            return list(csv.DictReader(handle))

    users = rows(before, "users.csv")
    tonight = {row["sourcedId"] for row in rows(truncated, "users.csv")}
    protected = [
        row for row in users if row["metadata.securityMarking"] and row["sourcedId"] not in tonight
    ]
    assert protected, "the demo no longer cuts a protected pupil: pick another seed or size"
    db = tmp_path / "demo.db"
    for night in (before, truncated):
        result = sync(
            db, str(night.bundle.folder), policy_path=night.bundle.policy_path, as_of=night.as_of
        )
    assert result.state == "held"
    full_names = [f"{row['givenName']} {row['familyName']}" for row in users]
    secrets: list[str] = []
    for her in protected:
        name = f"{her['givenName']} {her['familyName']}"
        secrets += [her["sourcedId"], her["email"], her["username"], her["metadata.civicNo"]]
        secrets.append(her["metadata.civicNo"].replace("-", ""))
        secrets += [
            r["sourcedId"]
            for r in rows(truncated, "enrollments.csv")
            if r["userSourcedId"] == her["sourcedId"]
        ]
        if full_names.count(name) == 1:  # a name two pupils share is no trace of her
            secrets.append(name)
    assert len(secrets) > 5 * len(protected)
    with Queries.open(db) as q:
        assert leaks(on_disk(db), tuple(secrets)) == []
        for suffix, data in exported(q, result.run_id, tmp_path).items():
            assert leaks(data, tuple(secrets)) == [], suffix
        messages = [m for _, _, code, m, _ in q.run_findings(result.run_id)]
    assert any(WITHHELD in message for message in messages), messages


@pytest.mark.parametrize("her_row", ["there", "missing"])
def test_her_guardians_row_keeps_its_own_details_but_not_her_id(tmp_path, her_row):
    """OneRoster names a guardian's children in agentSourcedIds: stored as sent, his row would
    carry her id. The guardian stays (excluded by role, as any guardian); her id is cut out."""
    synced(her_bundle(), tmp_path, 1)
    bundle = her_bundle()
    guardian = user_row("g1", "guardian", "Sten", "Åberg", "sten.aberg@example.se")
    bundle.add("users", guardian | {"agentSourcedIds": f"p2,{HEDVIG}"})
    if her_row == "missing":
        bundle.drop("users", HEDVIG)
    result = synced(bundle, tmp_path, 2)
    with Queries.open(tmp_path / "r.db") as q:
        assert leaks(on_disk(tmp_path / "r.db")) == []
        record = q.record(result.run_id, "person", "g1")
        assert record is not None and record.row.status == "excluded"
        assert record.raw is not None and record.raw["agentSourcedIds"] == "p2,(withheld)"
