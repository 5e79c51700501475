"""The rule catalogue as data: every finding rostertui can report, with its stable code.

The codes are a contract — they are stored in every run, exported to customers' validation files
and matched by scripts — so a code is never renamed; new ones are appended. Everything a person
reads about a finding (title, explanation, fix, who owns the fix) lives here, in one place, so the
console, the CLI and the exports all say the same thing.

The texts are written for a support agent at a Swedish school-IT desk: they say what the finding
means for the teacher or pupil who cannot find something in the platform, and where the fix is
made — usually in the student registry, sometimes in the policy.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Severity(StrEnum):
    """What a finding does to its record (or to the whole run)."""

    ERROR = "error"
    WARNING = "warning"
    EXCLUDE = "exclude"
    PENDING = "pending"
    CASCADE = "cascade"
    """Takes the status of the record it depends on (a membership of an excluded group ...)."""
    RUN = "run"
    """Fails or holds the whole run rather than one record."""


@dataclass(frozen=True, slots=True)
class Rule:
    """One catalogue entry. `severity` is the default; where `severity_text` says
    "error/warning" the evaluator lowers it according to the policy, and where it says
    "run fails or file skipped" an optional file only earns a warning."""

    code: str
    entity: str
    severity: Severity
    severity_text: str
    owner: str
    title: str
    condition: str
    explanation: str
    fix: str


_SEVERITY_BY_TEXT: dict[str, Severity] = {
    "error": Severity.ERROR,
    "warning": Severity.WARNING,
    "exclude": Severity.EXCLUDE,
    "pending": Severity.PENDING,
    "error/warning": Severity.ERROR,
    "cascades": Severity.CASCADE,
    "run fails": Severity.RUN,
    "run held": Severity.RUN,
    "run fails or file skipped": Severity.RUN,
}

_REGISTRY = "the student registry (IST Extens, Tieto Edu, Procapita, Admentum, PowerSchool …)"


def _rule(
    code: str,
    entity: str,
    severity_text: str,
    owner: str,
    title: str,
    condition: str,
    explanation: str,
    fix: str,
) -> Rule:
    """Derive the severity from the catalogue's own wording so the two can never disagree."""
    return Rule(
        code=code,
        entity=entity,
        severity=_SEVERITY_BY_TEXT[severity_text],
        severity_text=severity_text,
        owner=owner,
        title=title,
        condition=condition,
        explanation=explanation,
        fix=fix,
    )


_RULE_LIST: tuple[Rule, ...] = (
    # --- run and file -------------------------------------------------------------------------
    _rule(
        "SOURCE_UNREADABLE",
        "run",
        "run fails",
        "registry",
        "Source could not be read",
        "source missing, unreadable, HTTP failure, not a roster",
        "The import could not read the roster at all, so nothing was imported this night. "
        "The platform keeps the last good import: nobody new appears and nobody is removed "
        "until a run succeeds.",
        "Read the run's error message. For a file export, check that the registry's integration "
        "wrote the OneRoster zip/folder (with manifest.csv) or the sheet to the agreed place. "
        "For an API, check the URL, that the token or client certificate has not expired and "
        f"that {_REGISTRY} answers. Then run the sync again.",
    ),
    _rule(
        "SOURCE_HEADER_INVALID",
        "file",
        "run fails or file skipped",
        "registry",
        "File header not valid",
        "required column missing, unknown/duplicated/misspelled header",
        "A file's header row is missing a required column or has an unknown, duplicated or "
        "misspelled column name. A required file (orgs, users, classes, enrollments; roles in "
        "OneRoster 1.2) fails the whole run and the last good import stays; an optional file "
        "is skipped and the rest is imported. A header that only ends in empty cells (as "
        "spreadsheet tools save formatted columns) is a warning: the cells are ignored and the "
        "file is read.",
        "Compare the file's first row with the OneRoster specification; the message names the "
        "column. This is a fault in the registry's export (or a hand-edited file): ask the "
        "registry admin or the registry vendor to correct the export template.",
    ),
    _rule(
        "SOURCE_ENCODING",
        "file",
        "warning",
        "registry",
        "File is not UTF-8",
        "not UTF-8 (e.g. cp1252 / ISO-8859-1 export); decoded with a warning",
        "The file is not UTF-8 (typically Windows-1252 / ISO-8859-1, e.g. saved from Excel). "
        "It was read anyway, but names with å, ä, ö or é may come out wrong in the platform.",
        "Have the registry export UTF-8 (in Excel: Save as → 'CSV UTF-8'). Check a few names "
        "with å, ä, ö in the platform; they are corrected on the first night the file "
        "arrives in UTF-8.",
    ),
    _rule(
        "SOURCE_ROW_MALFORMED",
        "any",
        "error",
        "registry",
        "Malformed row",
        "bad field count, unparsable date, value outside an enumeration",
        "A row could not be read: it has the wrong number of fields, a date that is not a "
        "date, or a value the format does not allow. The record in that row is skipped, so "
        "that person, group or membership is missing in the platform.",
        "Open the raw row (file and line are shown) and correct the field named in the message "
        "in the registry. Usual causes: a comma, quote or line break inside a name, a date not "
        "written YYYY-MM-DD, or a misspelled code value.",
    ),
    _rule(
        "MASS_REMOVAL_HELD",
        "run",
        "run held",
        "registry",
        "Run held: too many removals",
        "removals exceed the policy threshold; removals not applied, run held",
        "This run would remove more imported users than the policy allows "
        "(mass_removal_threshold, 10 % by default). That is far more often a broken or partial "
        "export than a real change, so the run was held: nothing was removed and the last good "
        "import still applies.",
        "Check whether the source is complete: a school missing from the export, a changed "
        "export filter, a half-written file. If the removals are real (e.g. at the end of the "
        "school year), apply them with `rostertui sync --accept-held RUN`; otherwise have the "
        "registry export fixed and run the sync again.",
    ),
    # --- schools ------------------------------------------------------------------------------
    _rule(
        "SCHOOL_NOT_IN_SCOPE",
        "school",
        "exclude",
        "policy",
        "School not in the policy's scope",
        "not in the policy's school list",
        "The school is in the registry's export but not in the policy's list of schools, so "
        "it, its groups and the people who are only there are left out on purpose. This is "
        "configuration, not a fault.",
        "If the school should be in the platform, add its id or name to `schools` in the "
        "policy file. Otherwise nothing needs to be done.",
    ),
    _rule(
        "SCHOOL_INACTIVE",
        "school",
        "exclude",
        "registry",
        "School not active",
        "start date in the future or end date passed",
        "The registry gives the school unit a start date in the future or an end date that has "
        "passed, so the school, its groups and the people who are only there are left out. "
        "Typical for a new school unit before it opens or an old one after a reorganisation.",
        "If the school is in use, correct the school unit's start or end date in the registry. "
        "If it has been replaced, check that pupils, staff and groups were moved to the new "
        "school unit in the registry.",
    ),
    # --- persons ------------------------------------------------------------------------------
    _rule(
        "PERSON_DUPLICATE_ID",
        "person",
        "error",
        "registry",
        "Duplicate person id",
        "two source records share an id; the first wins",
        "Two records in the source have the same person id. The first is imported; each later "
        "one is skipped (shown as <id>#2, <id>#3 …). If the later record was the right one, the "
        "person has the wrong name, e-mail or school in the platform.",
        "In the registry, find both records (the message names the first one's location) and "
        "merge or remove the duplicate. Often the same person registered twice, or an export "
        "stitched together from two files.",
    ),
    _rule(
        "PERSON_MISSING_GIVEN_NAME",
        "person",
        "error",
        "registry",
        "First name missing",
        "given name empty",
        "The person has no first name in the source, so no account is created or updated and "
        "they cannot log in.",
        "Enter the first name on the person in the registry; it arrives with the next night's "
        "import.",
    ),
    _rule(
        "PERSON_MISSING_FAMILY_NAME",
        "person",
        "error",
        "registry",
        "Last name missing",
        "family name empty",
        "The person has no last name in the source, so no account is created or updated and "
        "they cannot log in.",
        "Enter the last name on the person in the registry; it arrives with the next night's "
        "import.",
    ),
    _rule(
        "PERSON_MISSING_EMAIL",
        "person",
        "error/warning",
        "registry",
        "E-mail missing",
        "no e-mail (error when the policy requires e-mail, else warning)",
        "The person has no e-mail address in the source. When the policy requires e-mail "
        "(require_email, on by default, because the platform logs people in by it) the person "
        "is skipped and cannot log in; otherwise they are imported with a warning.",
        "Add the school e-mail address to the person in the registry (SS 12000: an e-mail of "
        "type 'Skola elev' or 'Skola personal'). New pupils often lack one until their account "
        "has been created in the municipality's directory and written back to the registry.",
    ),
    _rule(
        "PERSON_INVALID_EMAIL",
        "person",
        "error",
        "registry",
        "E-mail not valid",
        "e-mail fails the syntax check",
        "The e-mail address in the source is not a valid address (a space, no @, two addresses "
        "in one field, å/ä/ö in the address …), so the person is skipped and cannot log in.",
        "Correct the address on the person in the registry; the message shows the value that "
        "was received.",
    ),
    _rule(
        "PERSON_EMAIL_DOMAIN",
        "person",
        "error",
        "registry",
        "E-mail domain not allowed",
        "e-mail outside the policy's allowed domains",
        "The e-mail address is outside the domains the policy allows (email_domains) — "
        "typically a private address or a guardian's address entered on the pupil instead of "
        "the school address. The person is skipped.",
        "Replace the address with the person's school address in the registry. If the domain "
        "is legitimate (e.g. a new domain after a merger), add it to email_domains in the "
        "policy instead.",
    ),
    _rule(
        "PERSON_DUPLICATE_EMAIL",
        "person",
        "error",
        "registry",
        "E-mail used by another person",
        "another source person has the same e-mail (names it)",
        "Another person in the source already has this e-mail address (the message names "
        "them). The address is the login, so only the first holder is imported and this "
        "person is skipped.",
        "Give each person their own address in the registry. Typical causes: siblings or a "
        "guardian sharing an address, the address of someone who left being reused, or the "
        "same person registered twice under different ids.",
    ),
    _rule(
        "PERSON_UNKNOWN_ROLE",
        "person",
        "error",
        "registry",
        "Role not recognised",
        "a role value the model does not know (not student, teacher, staff, admin or a "
        "guardian role)",
        "The person's role is a value the import does not recognise (the message shows it), "
        "or no role at all, so nobody can tell whether the person should be in the platform: "
        "the person is skipped.",
        "Correct the role on the person in the registry (in a sheet: the Role column must say "
        "student or teacher; in OneRoster one of the spec's role words).",
    ),
    _rule(
        "PERSON_ROLE_NOT_IMPORTED",
        "person",
        "exclude",
        "policy",
        "Role not imported",
        "a known role the policy's allowed_roles leaves out (guardian, parent, relative; "
        "SS 12000 responsibles)",
        "The person has a role the import knows but the policy does not bring into the "
        "platform (for example a guardian: in SS 12000 a person who is only another person's "
        "responsible). Left out on purpose: nothing is wrong in the registry.",
        "Nothing to fix. If the platform should have people with this role, add the role to "
        "allowed_roles in the policy.",
    ),
    _rule(
        "PERSON_PROTECTED_IDENTITY",
        "person",
        "exclude",
        "registry",
        "Protected identity",
        "marked Skyddad folkbokföring / Sekretessmarkering (unknown markings count as protected)",
        "The person has protected personal data (Skyddad folkbokföring or Sekretessmarkering — "
        "or a marking rostertui does not recognise, which counts as protected to be safe). "
        "They are left out on purpose so that no name, school or class of theirs reaches the "
        "platform, and rostertui keeps no details about them.",
        "Nothing to fix in the data. If the person needs access, follow the municipality's "
        "routine for protected pupils and staff (usually an account created by hand by the "
        "person responsible). If the marking itself is wrong, the registry admin corrects it.",
    ),
    _rule(
        "PERSON_INACTIVE",
        "person",
        "exclude",
        "registry",
        "Person inactive in the source",
        "disabled, deleted, emigrated or deceased in the source",
        "The source marks the person as disabled, deleted, emigrated or deceased (OneRoster "
        "enabledUser=false or status tobedeleted; SS 12000 personStatus Utvandrad or Avliden), "
        "so they are left out, and removed from the platform if they were there.",
        "If the person should have access, reactivate them in the registry (check the person's "
        "status and account settings there). Otherwise nothing needs to be done.",
    ),
    _rule(
        "PERSON_INVALID_CIVIC_NO",
        "person",
        "warning",
        "registry",
        "Personnummer not valid",
        "personnummer/samordningsnummer fails date or Luhn check",
        "The personnummer or samordningsnummer fails the date or check-digit test. The person "
        "is still imported, but searching by personnummer and recognising them if their id "
        "changes will not work.",
        "Correct the number in the registry. Temporary numbers for pupils who have no "
        "personnummer yet also trigger this; they can stay until the real number is entered.",
    ),
    _rule(
        "PERSON_ID_CHANGED",
        "person",
        "warning",
        "registry",
        "Person got a new id",
        "same civic no or e-mail as an earlier run's person under a new id",
        "This person has the same personnummer or e-mail as a person imported earlier under "
        "another id (named in the message). The platform sees a new person: a new account is "
        "created and the old one removed, so their history, work and groups may seem lost.",
        "Ask the registry admin why the id changed (typically the person was deleted and "
        "registered again, or moved between registry systems) and restore the old id if "
        "possible; otherwise ask platform support to merge the old account into the new one.",
    ),
    _rule(
        "PERSON_NO_SCHOOL",
        "person",
        "error",
        "registry",
        "No school",
        "no enrolment or duty at any known school",
        "The person has no school placement (pupil) or employment/duty (staff) at any school "
        "in the source, so the platform cannot tell where they belong and they are skipped.",
        "In the registry, give the pupil a school placement or the teacher an employment at "
        "the school unit. If the placement is at a school that is missing from the export, "
        "that school must be exported too.",
    ),
    _rule(
        "PERSON_SCHOOL_NOT_IN_SCOPE",
        "person",
        "exclude",
        "policy",
        "Only at schools outside the scope",
        "only at schools outside the policy's scope",
        "Every school the person belongs to is outside the policy's list of schools, so they "
        "are left out on purpose.",
        "If they should be in the platform, add their school to `schools` in the policy. If "
        "they have changed school, update their placement in the registry.",
    ),
    _rule(
        "STUDENT_NO_ACTIVE_ENROLMENT",
        "person",
        "exclude",
        "registry",
        "School placement has ended",
        "every enrolment has ended",
        "Every school placement the pupil has in the source has ended, so they are left out "
        "(and removed if they were imported). Normal for a pupil who moved or finished school.",
        "If the pupil is still at the school, extend the placement's end date or add the new "
        "placement in the registry.",
    ),
    _rule(
        "STUDENT_ENROLMENT_NOT_STARTED",
        "person",
        "pending",
        "registry",
        "School placement not started yet",
        "enrolment starts after as-of + look-ahead",
        "The pupil's school placement starts later than the import looks ahead (normally 0 "
        "days, 30 days during the term-start windows), so they appear automatically on the "
        "date shown as 'appears on'.",
        "If that date is right, tell the user when the pupil will appear. If the pupil needs "
        "access earlier, the registry admin moves the placement's start date.",
    ),
    _rule(
        "STUDENT_NO_CLASS",
        "person",
        "error/warning",
        "registry",
        "Pupil not in a class",
        "no active class membership (policy may require it)",
        "The pupil is in no imported class today: either no class at all in the registry, or "
        "their class was not imported (e.g. not marked 'Till LMS' — then the class's finding is "
        "shown as the root cause). With student_requires_class the pupil is skipped; otherwise "
        "imported with a warning.",
        "Place the pupil in a class in the registry, or fix the class's own finding (follow the "
        "root cause). Newly arrived pupils often have a school placement but no class yet.",
    ),
    _rule(
        "STAFF_NO_ACTIVE_DUTY",
        "person",
        "exclude",
        "registry",
        "Employment has ended",
        "every employment has ended",
        "Every employment (duty) the person has at a school in the source has ended, so they "
        "are left out (and removed if they were imported). Normal for staff who have left.",
        "If the person still works at the school, extend the employment's end date or add the "
        "new employment in the registry.",
    ),
    _rule(
        "STAFF_DUTY_NOT_STARTED",
        "person",
        "pending",
        "registry",
        "Employment not started yet",
        "employment starts after as-of + look-ahead",
        "The person's employment at the school starts later than the import looks ahead "
        "(normally 0 days, 30 days during the term-start windows), so they appear "
        "automatically on the date shown as 'appears on'.",
        "If that date is right, tell the user when the account will appear. If access is "
        "needed earlier, the registry admin moves the employment's start date.",
    ),
    _rule(
        "TEACHER_NO_GROUP",
        "person",
        "error/warning",
        "registry",
        "Teacher not in any group",
        "teacher with no active group membership (policy may require it)",
        "The teacher teaches no imported group today: no teaching assignment in the registry, "
        "or only groups that were not imported. With teacher_requires_group (on by default) "
        "the teacher is skipped; otherwise imported with a warning.",
        "In the registry, link the teacher to their groups (the schedule/teaching assignments; "
        "SS 12000: activities) and check that those groups are marked 'Till LMS'. If teachers "
        "without groups should still get accounts, set teacher_requires_group = false in the "
        "policy.",
    ),
    # --- groups -------------------------------------------------------------------------------
    _rule(
        "GROUP_DUPLICATE_ID",
        "group",
        "error",
        "registry",
        "Duplicate group id",
        "two groups share an id",
        "Two groups in the source have the same id. The first is imported; each later one is "
        "skipped (shown as <id>#2 …), so its members may end up in the wrong group.",
        "In the registry, find both groups (the message names the first one's location) and "
        "remove or renumber the duplicate.",
    ),
    _rule(
        "GROUP_UNKNOWN_SCHOOL",
        "group",
        "error",
        "registry",
        "Group's school not in the source",
        "owning school id not in the source",
        "The group belongs to a school id that the source does not contain at all (or one that "
        "is not a school unit), so the group and its memberships are skipped.",
        "Make sure the school unit is included in the registry's export, or move the group to "
        "the right school unit in the registry.",
    ),
    _rule(
        "GROUP_SCHOOL_NOT_IMPORTED",
        "group",
        "cascades",
        "—",
        "Group's school not imported",
        "its school was excluded or skipped (root cause = the school's finding)",
        "The group's school was not imported, so the group is not either; it shares the "
        "school's status.",
        "Fix the school's finding shown as the root cause; the group follows on the next import.",
    ),
    _rule(
        "GROUP_NOT_STARTED",
        "group",
        "pending",
        "registry",
        "Group not started yet",
        "start after as-of + look-ahead",
        "The group starts later than the import looks ahead (normally 0 days, 30 days during "
        "the term-start windows), so it appears automatically on the date shown as 'appears "
        "on', with its members.",
        "If that date is right, tell the user when the group will appear. If it is needed "
        "earlier, the registry admin moves the group's (or its term's) start date.",
    ),
    _rule(
        "GROUP_ENDED",
        "group",
        "exclude",
        "registry",
        "Group has ended",
        "end date passed",
        "The group's end date (or its term's) has passed, so it is left out and removed from "
        "the platform if it was there. Normal after a course or school year ends.",
        "If the group is still in use, extend its end date (or its term's) in the registry.",
    ),
    _rule(
        "GROUP_WRONG_ACADEMIC_YEAR",
        "group",
        "error",
        "registry",
        "Group belongs to another school year",
        "not in the current academic year",
        "The source names a school year for the group that is not the current one (the year "
        "runs from academic_year_start, 1 July by default) — typically last year's group left "
        "active or next year's created early — so the group is skipped.",
        "In the registry, end last year's groups or correct the school year of the group's "
        "term. Groups for next year appear once that school year has started.",
    ),
    _rule(
        "GROUP_NOT_EXPORTED",
        "group",
        "exclude",
        "registry",
        "Group not marked for export",
        'the source\'s export flag (e.g. "Till LMS") is off',
        "The group's export flag in the registry (e.g. 'Till LMS') is not ticked, so the group "
        "and all its memberships are left out. Pupils whose only class it is then have no class "
        "in the platform. An empty flag counts as not exported.",
        "In the registry, open the class or teaching group and tick 'Till LMS' (or the "
        "registry's equivalent export checkbox). The group and its members arrive with the next "
        "night's import.",
    ),
    _rule(
        "GROUP_CLASS_NAME_NOT_SPECIFIC",
        "group",
        "error",
        "registry",
        "Class name not specific",
        'class named like "9", not "9A"',
        "The class is named only by its year (like '9' or 'åk 9'), so parallel classes cannot "
        "be told apart in the platform; it is skipped. The check follows the policy's "
        "class_name_pattern.",
        "Give the class its full name in the registry (e.g. '9A'). If bare year names are "
        "intended at this school, change class_name_pattern in the policy.",
    ),
    _rule(
        "GROUP_NO_TEACHER",
        "group",
        "warning",
        "registry",
        "Group has no teacher",
        "no active teacher membership",
        "The group is imported, but no imported teacher is linked to it today, so no teacher "
        "can see it or its pupils in the platform.",
        "In the registry, assign the teacher to the group (schedule/teaching assignment; "
        "SS 12000: the activity). If the teacher is assigned, check the teacher's own findings.",
    ),
    _rule(
        "GROUP_NO_MEMBERS",
        "group",
        "warning",
        "registry",
        "Group has no members",
        "no active members",
        "The group is imported but has no active imported members today, so it is empty in "
        "the platform.",
        "Place the pupils and teachers in the group in the registry, or end the group if it is "
        "no longer used. If members are placed, check their own findings.",
    ),
    # --- memberships --------------------------------------------------------------------------
    _rule(
        "MEMBERSHIP_UNKNOWN_PERSON",
        "membership",
        "error",
        "registry",
        "Membership of an unknown person",
        "refers to a person not in the source",
        "The membership names a person who is not in the source, so it is skipped. Usually the "
        "person was left out of the export while their group placement was not.",
        "Check in the registry that the person exists and is included in the export; an "
        "export filter that leaves out some people but not their memberships is the usual cause.",
    ),
    _rule(
        "MEMBERSHIP_UNKNOWN_GROUP",
        "membership",
        "error",
        "registry",
        "Membership of an unknown group",
        "refers to a group not in the source",
        "The membership names a group that is not in the source, so it is skipped.",
        "Check in the registry that the group exists and is included in the export (a group "
        "deleted while its placements remained is a common cause).",
    ),
    _rule(
        "MEMBERSHIP_PERSON_NOT_IMPORTED",
        "membership",
        "cascades",
        "—",
        "Person not imported",
        "its person was skipped/excluded/pending (root cause = the person's finding)",
        "The membership's person was not imported, so the membership is not either; it "
        "shares the person's status.",
        "Fix the person's finding shown as the root cause; the membership follows on the next "
        "import.",
    ),
    _rule(
        "MEMBERSHIP_GROUP_NOT_IMPORTED",
        "membership",
        "cascades",
        "—",
        "Group not imported",
        "its group was skipped/excluded/pending (root cause = the group's finding)",
        "The membership's group was not imported, so the membership is not either; it shares "
        "the group's status.",
        "Fix the group's finding shown as the root cause (often 'Till LMS' not ticked); the "
        "membership follows on the next import.",
    ),
    _rule(
        "MEMBERSHIP_NOT_STARTED",
        "membership",
        "pending",
        "registry",
        "Membership not started yet",
        "starts after as-of + look-ahead",
        "The person's place in this group starts later than the import looks ahead (normally "
        "0 days, 30 days during the term-start windows), so it appears automatically on the "
        "date shown as 'appears on'.",
        "If that date is right, tell the user when the group will show up. If it is needed "
        "earlier, the registry admin moves the membership's start date.",
    ),
    _rule(
        "MEMBERSHIP_ENDED",
        "membership",
        "exclude",
        "registry",
        "Membership has ended",
        "end date passed",
        "The person's place in this group has an end date that has passed, so it is left out "
        "and removed from the platform if it was there. Normal after a change of class or "
        "course.",
        "If the person is still in the group, extend the membership's end date in the registry.",
    ),
    _rule(
        "MEMBERSHIP_INVALID_ROLE",
        "membership",
        "error",
        "registry",
        "Membership role not valid",
        "role not student/teacher/…",
        "The membership gives the person a role in the group that the import does not know "
        "(not student, teacher or another recognised role), so it is skipped.",
        "Correct the role on the group placement in the registry (the message shows the value "
        "received).",
    ),
    # --- added after the design table ---------------------------------------------------------
    _rule(
        "SOURCE_VALUE_NONSTANDARD",
        "any",
        "warning",
        "registry",
        "Non-standard value",
        "a value breaks the OneRoster/SS 12000 spec but could still be read (wrong case, "
        "date-only dateLastModified, status/dateLastModified in a bulk file, OneRoster 1.0 "
        "status 'inactive')",
        "A value does not follow the OneRoster / SS 12000 specification but could still be "
        "understood (e.g. classType 'Scheduled' instead of 'scheduled', a date without time in "
        "dateLastModified, an unparsable value in a field the import does not use, a NUL byte "
        "taken out of a value, an unknown manifest property, an SS 12000 school unit without "
        "organisationType, an activity teacher named by person instead of by duty). The record "
        "was imported as read; nothing is missing because of it.",
        "No action needed today. Report it to the registry admin or vendor so the export "
        "follows the specification; another platform or a stricter import may reject it.",
    ),
    _rule(
        "SOURCE_REFERENCE_UNKNOWN",
        "any",
        "warning",
        "registry",
        "Reference to something not in the source",
        "a row refers to something the source does not contain or marks absent, where the "
        "import can go on without it (e.g. parentSourcedId not in orgs.csv, courseSourcedId "
        "while courses.csv is absent)",
        "A row refers to a record the source does not contain (e.g. a school's parent "
        "organisation, or a class's course when courses.csv is not exported). The import went "
        "on without it; only that link is missing.",
        "Usually nothing for the user to do. Ask the registry admin to include the referenced "
        "records in the export, or to clear the stale reference in the registry.",
    ),
    _rule(
        "SCHOOL_DUPLICATE_ID",
        "school",
        "error",
        "registry",
        "Duplicate school id",
        "two source records share an id; the first wins",
        "Two schools in the source have the same id. The first is imported; each later one is "
        "skipped (shown as <id>#2 …), so groups and people may be attached to the wrong school.",
        "In the registry, find both school units (the message names the first one's location) "
        "and correct or remove the duplicate.",
    ),
    _rule(
        "MEMBERSHIP_DUPLICATE_ID",
        "membership",
        "error",
        "registry",
        "Duplicate membership id",
        "two source records share an id; the first wins",
        "Two memberships in the source have the same id. The first is imported; each later one "
        "is skipped (shown as <id>#2 …), so a person may be missing from a group.",
        "In the registry or its export, find both placements (the message names the first "
        "one's location) and remove or renumber the duplicate.",
    ),
    _rule(
        "PERSON_SCHOOL_NOT_IMPORTED",
        "person",
        "cascades",
        "—",
        "Person's school not imported",
        "all the person's schools were excluded or skipped (root cause = the school's finding)",
        "Every school the person belongs to was left out or skipped, so the person is not "
        "imported either; they share the school's status.",
        "Fix the school's finding shown as the root cause; the person follows on the next import.",
    ),
    _rule(
        "GROUP_INACTIVE",
        "group",
        "exclude",
        "registry",
        "Group deleted in the source",
        "the source marks the group deleted (status tobedeleted)",
        "The source marks the group as deleted (status tobedeleted), so it and its memberships "
        "are left out, and removed from the platform if they were there.",
        "If the group is still in use, restore it in the registry; otherwise nothing needs to "
        "be done.",
    ),
    _rule(
        "MEMBERSHIP_INACTIVE",
        "membership",
        "exclude",
        "registry",
        "Membership deleted in the source",
        "the source marks the membership deleted (status tobedeleted)",
        "The source marks the person's place in this group as deleted, so it is left out and "
        "removed from the platform if it was there.",
        "If the person should still be in the group, place them in it again in the registry.",
    ),
    _rule(
        "SOURCE_FILE_EMPTY",
        "file",
        "warning",
        "registry",
        "Required file has no rows",
        "orgs.csv or users.csv has a header but no rows",
        "The export came through with an empty schools or users file — almost always a "
        "truncated or failed export, not a municipality without pupils. After a good night "
        "this holds the run (every user would be removed); on a first night it fails.",
        "Check the registry's export job and run it again; if the file really should be empty, "
        "accept the held run with `rostertui sync --accept-held RUN`.",
    ),
    _rule(
        "POLICY_INVALID",
        "run",
        "run fails",
        "policy",
        "Policy file invalid",
        "the policy TOML has an unknown key, a bad value or a syntax error",
        "The sync did not run: the customer's policy file could not be read, so no record was "
        "judged and the last good run still stands.",
        "Correct the policy file as the message says (it names the key and the value), then run "
        "the sync again.",
    ),
    _rule(
        "SCHOOL_OTHER_ORGANISATION",
        "school",
        "exclude",
        "registry",
        "Organisation that is not a school",
        "an organisation that is neither a school unit nor above one (a district, Huvudman, "
        "Skola, department … that no school unit belongs to)",
        "The source sent an organisation that is not a school (its type is in the message) and "
        "no school unit belongs to it, so nothing is imported for it. People or groups that "
        'point at it are reported on their own rows ("is a department, not a school"). '
        "Organisations above school units (the municipality, a Skola) are kept without this "
        "finding: they are the roster's own structure.",
        "Usually nothing to do. If people are placed at this organisation, the registry admin "
        "must place them at a school unit instead, or register the organisation as a school "
        "unit (OneRoster type school, SS 12000 organisationType Skolenhet).",
    ),
)

RULES: dict[str, Rule] = {entry.code: entry for entry in _RULE_LIST}
"""Every rule by code, in the design table's order followed by the codes added since."""


def rule(code: str) -> Rule:
    """Look up a rule; an unknown code is a programming error, so say which code and why."""
    try:
        return RULES[code]
    except KeyError:
        raise KeyError(
            f"unknown rule code {code!r}: not in the rule catalogue (rostertui.domain.catalogue)"
        ) from None
