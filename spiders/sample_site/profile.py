"""One therapist's details and page layout, drawn from the therapist's own RNG.

`build_profile(rng, core)` returns `(truth, layout)`: `truth` is the record
tests compare a crawl with (exactly what the pages show, see
`generator.TRUTH_FIELDS`), `layout` the presentation choices `pages` renders
with (headings, lists or comma lines, links or plain text, entities...). The
draw order is part of the output: reordering draws changes every site.
"""

from __future__ import annotations

import datetime as dt
import random
import re
import unicodedata
from typing import Any

from . import words as W
from .vocabulary import (
    CARRIERS,
    COVERAGE,
    INSURANCE,
    TECHNIQUES,
    accepts_insurance,
    spell,
)

# Section headings as the amta-style README lists them, per truth field.
HEADINGS = {
    "bio": ("About Me", "About", "Bio"),
    "techniques": ("Massage Techniques", "Techniques", "Modalities", "Massage Types"),
    "conditions": ("Conditions Treated", "Areas of Focus", "Specialties"),
    "settings": ("Practice Settings", "Work Settings"),
    "insurance": ("Payment Options", "Insurance & Payment", "Insurance Accepted", "Payment Methods"),
    "languages": ("Languages", "Languages Spoken"),
    "gender": ("Gender",),
    "accepting": ("Accepting New Clients",),
    "hours": ("Hours", "Office Hours"),
}
LIST_SECTIONS = ("techniques", "conditions", "settings", "insurance", "languages")

PHONE_FORMATS = (
    "({a}) {p}-{l}", "{a}.{p}.{l}", "{a}-{p}-{l}", "+1 {a} {p} {l}", "{a}{p}{l}", "1-{a}-{p}-{l}",
)
DATE_FORMATS = (
    lambda d: f"{W.MONTHS[d.month - 1]} {d.day}, {d.year}",  # March 14, 2026
    lambda d: f"{d.day} {W.MONTHS[d.month - 1][:3]} {d.year}",  # 14 Mar 2026
    lambda d: d.isoformat(),  # 2026-03-14
    lambda d: f"{d.month:02d}/{d.day:02d}/{d.year}",  # 03/14/2026 (US order)
    lambda d: f"{W.MONTHS[d.month - 1][:3]} {d.day}, {d.year}",  # Mar 14, 2026
)
UPDATED_PREFIXES = ("Profile last updated: ", "Last updated: ", "Updated ", "Last updated on ")
LICENSE_FORMATS = {
    "NC": ("NC LMBT #{n}",), "CA": ("CAMTC #{n}", "CAMTC Certificate {n}"),
    "WA": ("MA.{big}", "WA LMP #{n}"), "TX": ("MT{n:06d}", "TX MT {n}"),
}
DEFAULT_LICENSES = ("{state} LMT #{n:06d}", "License #{state}{n:05d}", "{state}-LMT-{n}", "LMT {n}")
PROPER_TECHNIQUES = {"swedish", "thai", "craniosacral", "active-release", "reiki", "shiatsu", "lomi-lomi", "tui-na"}


# Letters NFKD keeps whole, and their ASCII look-alikes (the registry sample writes names with them too).
LETTER_FOLD = {"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "đ": "d", "ß": "ss"}
_FOLD = str.maketrans({**LETTER_FOLD, "'": "", ".": ""})


def slugify(text: str) -> str:
    """ASCII slug: "Nguyễn O'Brien" -> "nguyen-obrien"."""
    text = unicodedata.normalize("NFKD", text.translate(_FOLD))
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


def _heading(rng: random.Random, field: str) -> str:
    text = rng.choice(HEADINGS[field])
    roll = rng.random()
    if roll < 0.15:
        return text.upper()
    if roll < 0.25:
        return text[:1] + text[1:].lower()
    return text


def _bio(rng: random.Random, year: int, technique_ids: list[str], spanish: bool) -> str:
    conds = rng.sample(W.BIO_CONDITIONS, rng.randint(1, 3))
    conds_text = conds[0] if len(conds) == 1 else ", ".join(conds[:-1]) + " and " + conds[-1]
    parts = [rng.choice(W.BIO_OPENERS).format(clients=rng.choice(W.BIO_CLIENTS), conds=conds_text, year=year)]
    middle = rng.choice(W.BIO_MIDDLES)
    if "{tech}" in middle and technique_ids:
        tid = rng.choice(technique_ids)
        label = TECHNIQUES[tid][0]
        parts.append(middle.format(tech=label if tid in PROPER_TECHNIQUES else label.lower()))
    elif middle and "{tech}" not in middle:
        parts.append(middle)
    closer = "Se habla español." if spanish and rng.random() < 0.6 else rng.choice(W.BIO_CLOSERS)
    if closer:
        parts.append(closer)
    return " ".join(parts)


def build_profile(rng: random.Random, core: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Draw `(truth, layout)` for the therapist described by `core`."""
    first, last, city, state = core["first"], core["last"], core["city"], core["state"]
    sparse = rng.random() < 0.12
    full = not sparse

    creds: list[str] = []
    if rng.random() < 0.88:
        creds.append(rng.choice(W.STATE_CREDENTIALS.get(state, ("LMT",))))
    if rng.random() < 0.25:
        extra = rng.choice(W.NATIONAL_CREDENTIALS)
        if extra not in creds:
            creds.append(extra)
    if sparse:
        cred_place = "suffix" if creds and rng.random() < 0.5 else None
    else:
        cred_place = rng.choice(("suffix", "line", "both", "line")) if creds else None

    business = None
    if full and rng.random() < 0.75:
        business = rng.choice(W.BUSINESS_FORMATS).format(
            First=first, Last=last, City=city, Word=rng.choice(W.BUSINESS_WORDS))
    street = None
    if full and rng.random() < 0.8:
        street = f"{rng.randint(1, 2999)} {rng.choice(W.STREET_NAMES)}"
        if rng.random() < 0.3:
            street += ", " + rng.choice(W.UNIT_FORMATS).format(n=rng.randint(1, 450))
    show_zip = full and rng.random() < (0.9 if street else 0.3)
    city_line = f"{city}, {state}" + (f" {core['zip']}" if show_zip else "")
    address_lines = ([street] if street else []) + [city_line]

    phone = phone_display = None
    if rng.random() < 0.92:
        a, p, line = core["area"], "555", f"01{rng.randint(0, 99):02d}"
        phone_display = rng.choice(PHONE_FORMATS).format(a=a, p=p, l=line)
        phone = f"+1{a}{p}{line}"

    domain = (slugify(business).replace("-", "") if business else slugify(f"{first}{last}massage")) + ".example"
    email = website = license_ = None
    if full and rng.random() < 0.6:
        user = rng.choice(W.EMAIL_USERS).format(
            first=slugify(first), last=slugify(last), f=slugify(first)[:1], n=rng.randint(1, 99))
        email = f"{user}@{domain if rng.random() < 0.7 else 'mail.example'}"
    if full and rng.random() < 0.5:
        website = rng.choice(("https://{d}", "https://www.{d}/", "http://{d}/", "https://{d}/")).format(d=domain)
    if full and rng.random() < 0.55:
        fmt = rng.choice(LICENSE_FORMATS.get(state, DEFAULT_LICENSES))
        n = rng.randint(1000, 99999)
        license_ = fmt.format(state=state, n=n, big=60000000 + n)

    technique_ids = rng.sample(list(TECHNIQUES), rng.randint(2, 3) if sparse else rng.randint(1, 7))
    techniques_raw = [spell(rng, TECHNIQUES, t) for t in technique_ids]
    if rng.random() < 0.15:
        techniques_raw.insert(rng.randint(0, len(techniques_raw)), rng.choice(W.UNMAPPED_TECHNIQUES))

    insurance: list[str] = []
    insurance_raw: list[str] = []
    if full and rng.random() < 0.65:
        insurance = rng.sample(list(COVERAGE), rng.randint(0, 3)) + rng.sample(list(CARRIERS), rng.randint(0, 3))
        insurance_raw = [spell(rng, INSURANCE, i) for i in insurance]
        pays = rng.sample(W.UNMAPPED_PAYMENTS, rng.randint(0 if insurance else 1, 2))
        insurance_raw += pays

    conditions = rng.sample(W.CONDITIONS, rng.randint(2, 6)) if full and rng.random() < 0.6 else []
    settings = rng.sample(W.SETTINGS, rng.randint(1, 3)) if full and rng.random() < 0.5 else []
    languages = []
    if full and rng.random() < 0.55:
        languages = ["English"] + rng.sample(W.LANGUAGES, rng.randint(0, 2))
        if rng.random() < 0.1:
            languages = languages[1:] or ["English"]
    gender_raw, gender = rng.choice(W.GENDERS) if full and rng.random() < 0.6 else (None, None)
    accepting_raw, accepting = rng.choice(W.ACCEPTING) if full and rng.random() < 0.7 else (None, None)

    hours: list[str] = []
    if full and rng.random() < 0.5:
        days = sorted(rng.sample(range(7), rng.randint(2, 6)))
        for d in days:
            if rng.random() < 0.1:
                hours.append(f"{W.DAYS[d]}: By appointment only")
            else:
                hours.append(f"{W.DAYS[d]}: {rng.choice(W.OPENING)} – {rng.choice(W.CLOSING)}")

    updated_raw = updated = None
    if rng.random() < (0.7 if full else 0.2):
        day = dt.date(2023, 1, 1) + dt.timedelta(days=rng.randrange(1186))
        updated, updated_raw = day.isoformat(), rng.choice(DATE_FORMATS)(day)

    spanish = "Spanish" in languages
    bio = _bio(rng, rng.randint(1998, 2022), technique_ids, spanish) if full and rng.random() < 0.85 else None

    present = {
        "bio": bio is not None, "techniques": True, "conditions": bool(conditions),
        "settings": bool(settings), "insurance": bool(insurance_raw), "languages": bool(languages),
        "gender": gender_raw is not None, "accepting": accepting_raw is not None, "hours": bool(hours),
    }
    order = [f for f in HEADINGS if present[f]]
    if rng.random() < 0.35:
        rng.shuffle(order)
    sections = [(f, _heading(rng, f), f in LIST_SECTIONS and not sparse and rng.random() < 0.6) for f in order]

    slug = core["slug"]
    truth = {
        "slug": slug,
        "url_path": f"/members/famt/{slug}" if core["hidden"] else f"/famt/{slug}",
        "hidden": core["hidden"],
        "name": f"{first} {last}",
        "credentials": creds if cred_place else [],
        "business": business,
        "street": street,
        "city": city,
        "state": state,
        "zip": core["zip"] if show_zip else None,
        "location_zip": core["zip"],
        "address_raw": ", ".join(address_lines),
        "phone": phone,
        "phone_display": phone_display,
        "email": email,
        "website": website,
        "license": license_,
        "bio": bio,
        "techniques": technique_ids,
        "techniques_raw": techniques_raw,
        "insurance": insurance,
        "insurance_raw": insurance_raw,
        "accepts_insurance": accepts_insurance(insurance),
        "conditions": conditions,
        "settings": settings,
        "languages": languages,
        "gender": gender,
        "gender_raw": gender_raw,
        "accepting_new_clients": accepting,
        "accepting_new_clients_raw": accepting_raw,
        "hours": hours,
        "profile_updated": updated,
        "profile_updated_raw": updated_raw,
    }
    layout = {
        "sparse": sparse,
        "entities": rng.random() < 0.3,  # non-ASCII as named entities (&iacute;)
        "h1_space": rng.choice(("", "", "  ", "\n    ")),
        "h1_inner": rng.choice((" ", " ", "   ", "\n")),
        "cred_place": cred_place,
        "address_lines": address_lines,
        "address_br": rng.random() < 0.8,
        "label_class": full and rng.random() < 0.7,
        "phone_link": rng.random() < 0.8,
        "tel_e164": rng.random() < 0.6,
        "website_text": rng.choice(("bare", "www", "href")),
        "email_link": rng.random() < 0.85,
        "sections": sections,
        "bio_wrap": rng.random() < 0.4,
        "updated_prefix": rng.choice(UPDATED_PREFIXES),
        "result_absolute": rng.random() < 0.25,
        "result_title_creds": rng.random() < 0.5,
        "result_address": rng.random() < 0.85,
        "result_business": rng.random() < 0.6,
        "result_techniques": rng.random() < 0.5,
        "api_name_creds": rng.random() < 0.5,
        "api_business": rng.random() < 0.8,
        "api_zip": rng.random() < 0.7,
    }
    return truth, layout
