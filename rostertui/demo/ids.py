"""How the demo names people and records: Swedish names, sourcedIds, grade codes, personnummer.

Why a module of its own: these are pure functions and tables with no random state, shared by the
plan, the planted faults, the row writer and the month's events, so every part spells an id or a
personnummer the same way.
"""

from __future__ import annotations

from datetime import date, timedelta

GIVEN_NAMES: tuple[str, ...] = (
    *("Anna", "Åsa", "Björn", "Märta", "Göran", "Linnéa", "Östen", "Erik", "Sara", "Lars"),
    *("Karin", "Maja", "Elsa", "Astrid", "Alice", "Olivia", "Ebba", "Wilma", "Saga", "Alma"),
    *("Selma", "Ella", "Freja", "Agnes", "Signe", "Tyra", "Ines", "Stella", "Vera", "Ida"),
    *("Klara", "Elin", "Hanna", "Julia", "Emma", "Lova", "Nellie", "Liam", "Noah", "William"),
    *("Hugo", "Lucas", "Oliver", "Elias", "Oscar", "Adam", "Axel", "Viktor", "Ludvig", "Nils"),
    *("Vincent", "Theo", "Olle", "Sixten", "Melvin", "Måns", "Åke", "Jöns", "Gösta", "Bengt"),
    *("Ingrid", "Birgitta", "Ulla", "Kerstin", "Lena", "Håkan", "Jörgen", "Per", "Mats"),
    *("Anders", "Johan", "Mikael", "Fredrik", "Sofia", "Malin", "Jenny", "André", "Renée"),
)
FAMILY_NAMES: tuple[str, ...] = (
    *("Svensson", "Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson"),
    *("Olsson", "Persson", "Gustafsson", "Pettersson", "Jonsson", "Jansson", "Hansson"),
    *("Bengtsson", "Jönsson", "Lindberg", "Jakobsson", "Magnusson", "Lindström", "Olofsson"),
    *("Lindqvist", "Lindgren", "Axelsson", "Berg", "Bergström", "Lundberg", "Lind", "Lundgren"),
    *("Lundqvist", "Mattsson", "Berglund", "Fredriksson", "Sandberg", "Henriksson", "Forsberg"),
    *("Sjöberg", "Wallin", "Engström", "Eklund", "Danielsson", "Håkansson", "Lundin", "Björk"),
    *("Bergman", "Gunnarsson", "Holm", "Wikström", "Samuelsson", "Isaksson", "Fransson"),
    *("Nyström", "Holmberg", "Arvidsson", "Löfgren", "Söderberg", "Nyberg", "Blomqvist"),
    *("Åberg", "Öberg", "Häggström", "Ström", "Åström", "Sjögren", "Ågren", "Söderström"),
    *("Hägglund", "Östlund", "Grönlund", "Björklund", "Näslund", "Lövgren", "Claesson"),
)


FOLD = str.maketrans({"å": "a", "ä": "a", "ö": "o", "é": "e", "è": "e", "ü": "u", " ": ""})
MMDD = tuple(
    f"{d.month:02d}{d.day:02d}"
    for d in (date(2001, 1, 1) + timedelta(days=offset) for offset in range(365))
)


def class_sourced_id(number: int) -> str:
    return f"cls-{number:05d}"


def user_sourced_id(number: int) -> str:
    return f"usr-{number:06d}"


def grade_code(level: int) -> str:
    """CEDS grade codes: förskoleklass is KG, gymnasium years are 10–12."""
    return "KG" if level == 0 else f"{level:02d}"


def luhn_digit(nine: str) -> int:
    """The personnummer check digit over YYMMDDNNN (weights 2, 1, 2 …)."""
    total = 0
    for position, char in enumerate(nine):
        product = (ord(char) - 48) * (2 - position % 2)
        total += product - 9 if product > 9 else product
    return (10 - total % 10) % 10


def personnummer(yyyymmdd: str, serial: int) -> str:
    nnn = f"{serial:03d}"
    return f"{yyyymmdd}-{nnn}{luhn_digit(yyyymmdd[2:] + nnn)}"
