"""vCard 4.0 (RFC 6350): one card per listing, for phones and address books.

Each card has UID and X-KNEAD-ID (the listing's knead id, the one `knead show`
takes), FN (the name, else the business), N (family; given; middle; title;
suffix, split by nameparser so "Maria de la Cruz" files under "de la Cruz"),
NICKNAME (a quoted nickname in the name), KIND, ORG (the business), TITLE (the
credentials), TEL (a `tel:` URI when the phone is E.164), EMAIL, URL (the
therapist's website), ADR (street, city, state, ZIP), GEO (a `geo:` URI),
CATEGORIES and a NOTE with the knead id, techniques, insurance, opening hours and
the directory page (address books show NOTE; few show UID or X- properties).
Text values escape backslash, comma, semicolon and new lines (RFC 6350 3.4);
URI values (the website) lose any control character that would end the line
and are escaped the same way. Lines are CRLF and folded at 75 octets without
splitting a UTF-8 character (3.2).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, TextIO

from index.model.hours import readable

MAX_OCTETS = 75
CRLF = "\r\n"
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")  # all but tab, which vCard text allows
_E164 = re.compile(r"\+[1-9]\d{6,14}")


def escape(text: Any) -> str:
    """A TEXT value: backslash, comma and semicolon escaped, any line break as \\n."""
    text = "" if text is None else str(text)
    text = text.replace("\\", "\\\\").replace(",", "\\,").replace(";", "\\;")
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")
    return _CONTROL.sub("", text)


def uri(text: Any) -> str:
    """A URI value: control characters (line breaks) removed, then escaped like text, since
    RFC 6350 3.4 asks for commas to be escaped in every value (readers unescape them)."""
    return escape(_CONTROL.sub("", "" if text is None else str(text)).strip())


def fold(line: str) -> str:
    """Split a content line into CRLF + space continuations of at most 75 octets each."""
    if len(line.encode("utf-8")) <= MAX_OCTETS:
        return line + CRLF
    parts, current, size = [], [], 0
    limit = MAX_OCTETS
    for char in line:
        n = len(char.encode("utf-8"))
        if size + n > limit:
            parts.append("".join(current))
            current, size, limit = [], 0, MAX_OCTETS - 1  # the leading space counts
        current.append(char)
        size += n
    parts.append("".join(current))
    return (CRLF + " ").join(parts) + CRLF


@dataclass(frozen=True)
class NameParts:
    """The five components of N (RFC 6350 6.2.2) and a nickname."""

    family: str
    given: str
    additional: str
    prefix: str
    suffix: str
    nickname: str


def split_name(name: str) -> NameParts:
    """A person's name in N's parts: particles and compound surnames stay in the family name
    ("Maria de la Cruz" -> family "de la Cruz"), titles and suffixes ("Dr.", "Jr.") apart."""
    # nameparser knows particles (van, de la, St.), titles, suffixes and "Last, First";
    # imported here so the other export formats never load its tables.
    from nameparser import HumanName

    parsed = HumanName(name)
    return NameParts(parsed.last, parsed.first, parsed.middle, parsed.title, parsed.suffix, parsed.nickname)


def note(row: dict[str, Any]) -> str:
    lines = [f"knead id: {row['id']}"] if row.get("id") else []
    for label, key in (("Techniques", "techniques"), ("Insurance", "insurance"), ("Conditions", "conditions"),
                       ("Languages", "languages")):
        if row.get(key):
            lines.append(f"{label}: {', '.join(str(v) for v in row[key])}")
    hours = readable(row.get("hours"))
    if hours:
        lines.append(f"Hours: {'; '.join(hours.splitlines())}")
    if row.get("url"):
        lines.append(f"Listing: {row['url']}")
    return "\n".join(lines)


def card(row: dict[str, Any]) -> list[str]:
    """The content lines (unfolded) of one listing's card."""
    name = (row.get("name") or "").strip()
    business = (row.get("business") or "").strip()
    lines = ["BEGIN:VCARD", "VERSION:4.0", f"UID;VALUE=text:{escape(row.get('id'))}",
             f"KIND:{'individual' if name else 'org'}",
             f"FN:{escape(name or business or row.get('id') or 'Massage therapist')}"]
    if row.get("id"):
        lines.append(f"X-KNEAD-ID:{escape(row['id'])}")
    if name:
        parts = split_name(name)
        lines.append("N:" + ";".join(escape(p) for p in (parts.family, parts.given, parts.additional, parts.prefix,
                                                          parts.suffix)))
        if parts.nickname:
            lines.append(f"NICKNAME:{escape(parts.nickname)}")
    if business:
        lines.append(f"ORG:{escape(business)}")
    if row.get("credentials"):
        lines.append(f"TITLE:{escape(', '.join(row['credentials']))}")
    phone = (row.get("phone") or "").strip()
    if phone and _E164.fullmatch(phone):
        lines.append(f"TEL;VALUE=uri;TYPE=work,voice:tel:{phone}")
    elif phone:
        lines.append(f"TEL;VALUE=text;TYPE=work,voice:{escape(phone)}")
    if row.get("email"):
        lines.append(f"EMAIL;TYPE=work:{escape(row['email'])}")
    if row.get("website"):
        lines.append(f"URL;TYPE=work:{uri(row['website'])}")
    if any(row.get(k) for k in ("street", "city", "state", "zip")):
        adr = ("", "", row.get("street"), row.get("city"), row.get("state"), row.get("zip"), "")
        lines.append("ADR;TYPE=work:" + ";".join(escape(p) for p in adr))
    if row.get("lat") is not None and row.get("lon") is not None:
        lines.append(f"GEO:geo:{float(row['lat'])!r},{float(row['lon'])!r}")
    lines.append("CATEGORIES:massage therapist")
    text = note(row)
    if text:
        lines.append(f"NOTE:{escape(text)}")
    lines.append("END:VCARD")
    return lines


def write(export, out: TextIO) -> list[str]:
    for row in export.results:
        out.writelines(fold(line) for line in card(row))
    return []
