"""vCard 4.0 (RFC 6350): one card per listing, for phones and address books.

Each card has FN (the name, else the business), N (family; given), KIND, ORG
(the business), TITLE (the credentials), TEL (a `tel:` URI when the phone is
E.164), EMAIL, URL (the therapist's website), ADR (street, city, state, ZIP),
GEO (a `geo:` URI), CATEGORIES and a NOTE with the techniques, insurance and
the directory page. Text values escape backslash, comma, semicolon and new
lines (RFC 6350 3.4); URI values (the website) lose any control character that
would end the line and are escaped the same way. Lines are CRLF and folded at 75 octets
without splitting a UTF-8 character (3.2).
"""

from __future__ import annotations

import re
from typing import Any, TextIO

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


def split_name(name: str) -> tuple[str, str]:
    """"Ana Maria Silva" -> ("Silva", "Ana Maria"): the last word is taken as the family name."""
    words = name.split()
    if len(words) < 2:
        return name.strip(), ""
    return words[-1], " ".join(words[:-1])


def note(row: dict[str, Any]) -> str:
    lines = []
    for label, key in (("Techniques", "techniques"), ("Insurance", "insurance"), ("Conditions", "conditions"),
                       ("Languages", "languages")):
        if row.get(key):
            lines.append(f"{label}: {', '.join(str(v) for v in row[key])}")
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
    if name:
        family, given = split_name(name)
        lines.append(f"N:{escape(family)};{escape(given)};;;")
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
        parts = ("", "", row.get("street"), row.get("city"), row.get("state"), row.get("zip"), "")
        lines.append("ADR;TYPE=work:" + ";".join(escape(p) for p in parts))
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
