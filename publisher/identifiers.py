"""The identifier schemes an organisation or a place may carry, in one table: TERYT (TERC) codes of
territorial units, KRS, REGON and NIP numbers, with their shapes and check digits (python-stdnum's).

The same rules are in shapes/bdp-shapes.ttl (pattern and check digit, as SHACL) so that SPARQL users can
read them; this table serves the inbound lookup (`/lookup?nip=...` answers 400 for a malformed number)
and the generator. tests/test_identifiers.py checks the two agree."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from stdnum.pl import nip, regon

from publisher.namespaces import BDP


def nip_ok(code: str) -> bool:
    """NIP: ten digits whose check digit python-stdnum accepts (a remainder of 10 is never issued)."""
    return bool(re.fullmatch(r"[0-9]{10}", code)) and nip.is_valid(code)


def regon_ok(code: str) -> bool:
    """REGON: nine or fourteen digits whose check digit python-stdnum accepts (for fourteen digits, those of
    the first nine too: they are the parent unit's REGON)."""
    return bool(re.fullmatch(r"[0-9]{9}([0-9]{5})?", code)) and regon.is_valid(code)


def complete_nip(first9: str) -> str | None:
    """The NIP whose first nine digits are `first9`, or None when no check digit fits."""
    return next((code for code in (first9 + str(d) for d in range(10)) if nip_ok(code)), None)


@dataclass(frozen=True)
class Scheme:
    key: str                        # identifier-type concept key; also the lookup parameter and URL segment
    label: str                      # how pages name it
    register: dict[str, str]        # the register that issues it
    pattern: str                    # the whole code (the shapes use the same)
    shape: str                      # the pattern in words, for messages
    check: Callable[[str], bool] | None
    holders: tuple[str, ...]        # resource types that carry it (iris.TYPES)

    @property
    def datatype(self) -> str:
        return str(BDP[self.key.upper()])

    def problem(self, code: str) -> str | None:
        """Why `code` cannot be one of this scheme's codes, or None when it can."""
        if not re.fullmatch(self.pattern, code):
            return f"{code!r} is not a {self.label} code: expected {self.shape}"
        if self.check is not None and not self.check(code):
            return f"{code!r} is not a {self.label} number: its check digit is wrong"
        return None


SCHEMES: dict[str, Scheme] = {s.key: s for s in (
    Scheme("teryt", "TERYT", {"pl": "TERYT (TERC), Główny Urząd Statystyczny",
                              "en": "TERYT (TERC), Statistics Poland"},
           r"[0-9]{2}([0-9]{2}([0-9]{3})?)?", "2, 4 or 7 digits (voivodeship, powiat, gmina)", None,
           ("organisation", "place")),
    Scheme("krs", "KRS", {"pl": "Krajowy Rejestr Sądowy", "en": "National Court Register (KRS)"},
           r"[0-9]{10}", "10 digits", None, ("organisation",)),
    Scheme("regon", "REGON", {"pl": "REGON, Główny Urząd Statystyczny", "en": "REGON, Statistics Poland"},
           r"[0-9]{9}([0-9]{5})?", "9 or 14 digits", regon_ok, ("organisation",)),
    Scheme("nip", "NIP", {"pl": "Numer Identyfikacji Podatkowej", "en": "Tax Identification Number (NIP)"},
           r"[0-9]{10}", "10 digits", nip_ok, ("organisation",)),
)}
