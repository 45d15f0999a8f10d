"""Parse the machine-readable zone of a passport (ICAO Doc 9303, part 4: TD3, two lines of 44 characters).

Every check digit is verified (document number, birth date, expiry, personal number, composite), and
all failures are reported together in `MrzError.errors`, keyed by the field that failed, so a form
can say which part of the scan to retake. OCR noise is tolerated: lower case, spaces, and `«` where
the reader merged two `<` fillers.

    >>> mrz = mrz_parse("P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\\n"
    ...                 "L898902C36UTO7408122F1204159ZE184226B<<<<<10")
    >>> mrz.surname, mrz.given_names, mrz.document_number, mrz.birth_date.isoformat()
    ('ERIKSSON', 'ANNA MARIA', 'L898902C3', '1974-08-12')
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from dataclasses import dataclass

LINE_LENGTH = 44
_WEIGHTS = (7, 3, 1)
_ALLOWED = re.compile(r"^[A-Z0-9<]*$")
_NOISE = re.compile(r"\s+")


class MrzError(ValueError):
    """The MRZ cannot be read or fails its checks; `errors` maps each failing field to a message."""

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{field}: {message}" for field, message in errors.items()))


@dataclass(frozen=True)
class Mrz:
    document_type: str  # "P", or "P" plus the issuer's subtype letter (e.g. "PN")
    issuing_state: str  # ICAO code: ISO 3166 alpha-3 in most cases ("D" for Germany)
    surname: str
    given_names: str
    document_number: str
    nationality: str
    birth_date: dt.date
    sex: str  # "M", "F", or "" when unspecified
    expiry_date: dt.date
    personal_number: str


def check_digit(text: str) -> int:
    """ICAO 9303 check digit: weights 7, 3, 1; digits as such, A-Z as 10-35, the filler `<` as 0."""
    total = 0
    for position, char in enumerate(text):
        if char.isdigit():
            value = int(char)
        elif "A" <= char <= "Z":
            value = ord(char) - ord("A") + 10
        elif char == "<":
            value = 0
        else:
            raise MrzError({"characters": f"'{char}' cannot appear in an MRZ."})
        total += value * _WEIGHTS[position % 3]
    return total % 10


def _clean_line(text: str, *, number: int) -> str:
    """Upper case without spaces; each `«` is read as `<<` or `<`, whichever gives a 44-character line."""
    text = _NOISE.sub("", text).upper()
    merged = text.count("«")
    if 0 < merged <= 8:
        pieces = text.split("«")
        for choice in itertools.product(("<<", "<"), repeat=merged):
            candidate = pieces[0] + "".join(sep + piece for sep, piece in zip(choice, pieces[1:], strict=True))
            if len(candidate) == LINE_LENGTH:
                text = candidate
                break
    text = text.replace("«", "<<")
    if number == 1 and len(text) != LINE_LENGTH and len(text.rstrip("<")) <= LINE_LENGTH:
        # Line 1 ends in the name field's fillers: a reader that drops or adds some loses nothing.
        text = text.rstrip("<").ljust(LINE_LENGTH, "<")
    if len(text) != LINE_LENGTH:
        raise MrzError({f"line_{number}": f"has {len(text)} characters; a TD3 line has {LINE_LENGTH}."})
    if not _ALLOWED.match(text):
        bad = " ".join(sorted({char for char in text if not _ALLOWED.match(char)}))
        raise MrzError({f"line_{number}": f"contains characters an MRZ cannot: {bad}"})
    return text


def _split(text: str) -> tuple[str, str]:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    if len(lines) == 1:
        single = _NOISE.sub("", lines[0])
        if len(single) == 2 * LINE_LENGTH:
            lines = [single[:LINE_LENGTH], single[LINE_LENGTH:]]
    if len(lines) != 2:
        raise MrzError({"mrz": f"a passport MRZ (TD3) has two lines; got {len(lines)}."})
    return _clean_line(lines[0], number=1), _clean_line(lines[1], number=2)


def _date(yymmdd: str, *, field: str, errors: dict[str, str], today: dt.date, past: bool) -> dt.date | None:
    if not yymmdd.isdigit():
        errors[field] = f"'{yymmdd}' is not a date (YYMMDD)."
        return None
    yy, month, day = int(yymmdd[:2]), int(yymmdd[2:4]), int(yymmdd[4:])
    # A birth date is never in the future; an expiry date is at most ~50 years away, either side.
    year = 2000 + yy
    if (past and (year, month, day) > (today.year, today.month, today.day)) or (not past and year > today.year + 50):
        year -= 100
    try:
        return dt.date(year, month, day)
    except ValueError:
        errors[field] = f"'{yymmdd}' is not a date (YYMMDD)."
        return None


def _verify(errors: dict[str, str], field: str, data: str, digit: str, *, filler_ok: bool = False) -> None:
    if filler_ok and digit == "<" and set(data) == {"<"}:
        return
    if not digit.isdigit():
        errors[field] = f"check digit '{digit}' is not a digit."
    elif check_digit(data) != int(digit):
        errors[field] = f"check digit {digit} does not match (expected {check_digit(data)}): misread or altered."


def mrz_parse(text: str, *, today: dt.date | None = None) -> Mrz:
    """Read a TD3 MRZ (two lines, or one string of 88 characters); raises MrzError naming the failing fields."""
    today = today or dt.date.today()
    line1, line2 = _split(text)
    errors: dict[str, str] = {}

    if line1[0] != "P":
        errors["document_type"] = f"'{line1[:2]}' is not a passport (TD3 starts with P)."
    surname, _, given = line1[5:].partition("<<")
    surname = surname.replace("<", " ").strip()
    given_names = " ".join(given.replace("<", " ").split())
    if not surname:
        errors["surname"] = "the name field has no surname."

    number, number_digit = line2[0:9], line2[9]
    birth, birth_digit = line2[13:19], line2[19]
    sex = line2[20]
    expiry, expiry_digit = line2[21:27], line2[27]
    personal, personal_digit = line2[28:42], line2[42]
    composite_digit = line2[43]

    _verify(errors, "document_number", number, number_digit)
    birth_date = _date(birth, field="birth_date", errors=errors, today=today, past=True)
    if "birth_date" not in errors:
        _verify(errors, "birth_date", birth, birth_digit)
    expiry_date = _date(expiry, field="expiry_date", errors=errors, today=today, past=False)
    if "expiry_date" not in errors:
        _verify(errors, "expiry_date", expiry, expiry_digit)
    _verify(errors, "personal_number", personal, personal_digit, filler_ok=True)
    composite = line2[0:10] + line2[13:20] + line2[21:43]
    _verify(errors, "composite", composite, composite_digit)
    if sex not in "MFX<":
        errors["sex"] = f"'{sex}' is not M, F or < (unspecified)."

    if errors:
        raise MrzError(errors)
    assert birth_date is not None and expiry_date is not None
    return Mrz(
        document_type=line1[0:2].rstrip("<"),
        issuing_state=line1[2:5].rstrip("<"),
        surname=surname,
        given_names=given_names,
        document_number=number.rstrip("<"),
        nationality=line2[10:13].rstrip("<"),
        birth_date=birth_date,
        sex=sex if sex in "MF" else "",
        expiry_date=expiry_date,
        personal_number=personal.rstrip("<"),
    )
