"""Canonical vocabularies: techniques, insurance and payment, credentials, genders.

The tables of reference/vocabulary.md as data: each row a `Term` (id, label, the
"other spellings" column as written). Every id, label and spelling is indexed
under its key, `normalize(text)`: casefolded, accents stripped, "&" read as
"and", apostrophes dropped, other punctuation a space; a hyphen inside a word
is also indexed joined ("myo-fascial" -> "myofascial"). Matching is exact on
keys, never fuzzy; `closest()` only feeds "did you mean" messages.

`map_values` takes raw directory values one at a time: (1) the whole value as a
key (`lookup`: a parenthesised abbreviation and a trailing generic word such as
"massage" are tolerated); else (2) split on "/", ",", ";" and each part looked
up; a part that is no key is (3) scanned for keys as whole-word phrases,
longest first, not overlapping. When scanning, a short abbreviation (ART, PIP,
HSA...) counts only written in upper case ("the art of touch" is not Active
Release), and a part with a negation ("not in-network") gives nothing rather
than a guess. Plain payment methods give no id and are not unmapped; any other
value without an id comes back unmapped, as written, for the crawl to count.

No Scrapy, no click, tables built on first use: `knead search` imports this.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

TECHNIQUE = "technique"
INSURANCE = "insurance"


@dataclass(frozen=True)
class Term:
    id: str  # canonical id, part of the CLI and JSON contract, e.g. "deep-tissue"
    label: str  # display name, e.g. "Deep tissue massage"
    spellings: tuple[str, ...]  # the "other spellings" column, as written
    group: str = ""  # insurance only: "coverage" or "carrier"


# (id, label, other spellings), in the tables' order.
_TECHNIQUE_ROWS = (
    ("swedish", "Swedish massage", ("Swedish", "classic massage", "classical massage", "relaxation massage", "European massage")),
    ("deep-tissue", "Deep tissue massage", ("deep tissue", "deep muscle therapy", "deep pressure massage")),
    ("sports", "Sports massage", ("sports", "athletic massage", "pre-event massage", "post-event massage")),
    ("trigger-point", "Trigger point therapy", ("trigger point", "TPT", "myotherapy")),
    ("neuromuscular", "Neuromuscular therapy", ("NMT", "neuromuscular massage", "neuro-muscular therapy", "St. John method")),
    ("myofascial-release", "Myofascial release", ("MFR", "myofascial", "myo-fascial release", "fascial release")),
    ("craniosacral", "CranioSacral therapy", ("CST", "cranio-sacral", "cranial sacral", "craniosacral massage", "Upledger")),
    ("lymphatic-drainage", "Manual lymphatic drainage", ("MLD", "lymphatic drainage", "lymph drainage", "lymphatic massage", "Vodder")),
    ("prenatal", "Prenatal massage", ("prenatal", "pregnancy massage", "pregnancy", "maternity massage", "perinatal massage", "postpartum massage")),
    ("hot-stone", "Hot stone massage", ("hot stone", "hot stones", "stone massage")),
    ("reflexology", "Reflexology", ("foot reflexology", "zone therapy")),
    ("acupressure", "Acupressure", ("pressure point therapy", "Jin Shin Do")),
    ("shiatsu", "Shiatsu", ("Japanese acupressure", "zen shiatsu")),
    ("thai", "Thai massage", ("Thai", "Thai yoga massage", "Nuad Bo-Rarn", "traditional Thai massage")),
    ("orthopedic", "Orthopedic massage", ("ortho massage", "orthopedic massage therapy")),
    ("medical", "Medical massage", ("clinical massage", "rehabilitative massage", "injury massage")),
    ("chair", "Chair massage", ("seated massage", "on-site chair massage")),
    ("aromatherapy", "Aromatherapy massage", ("aromatherapy", "essential oil massage")),
    ("cupping", "Cupping", ("cupping therapy", "myofascial cupping")),
    ("structural-integration", "Structural integration", ("Rolfing", "Hellerwork")),
    ("active-release", "Active Release Techniques", ("ART", "active release")),
    ("assisted-stretching", "Assisted stretching", ("AIS", "active isolated stretching", "stretch therapy")),
    ("lomi-lomi", "Lomi lomi", ("lomilomi", "Hawaiian massage")),
    ("ashiatsu", "Ashiatsu", ("barefoot massage",)),
    ("tui-na", "Tui na", ("tuina", "Chinese medical massage")),
    ("reiki", "Reiki", ("energy work",)),
    ("oncology", "Oncology massage", ("cancer massage",)),
    ("geriatric", "Geriatric massage", ("senior massage", "elder massage")),
)

_COVERAGE_ROWS = (
    ("health-insurance", "Accepts health insurance", ("insurance accepted", "accepts insurance", "we bill insurance", "in-network", "in network")),
    ("out-of-network", "Out-of-network (superbill)", ("out of network", "OON", "superbill")),
    ("auto-pip", "Auto accident / PIP", ("auto accident", "PIP", "personal injury protection", "motor vehicle accident", "MVA", "Med-Pay", "auto insurance")),
    ("workers-comp", "Workers' compensation", ("workers comp", "workers compensation", "work comp", "L&I")),
    ("hsa-fsa", "HSA / FSA", ("HSA", "FSA", "HSA/FSA", "FSA/HSA", "health savings account", "flexible spending account", "HRA")),
    ("medicare", "Medicare", ("Medicare Advantage",)),
    ("medicaid", "Medicaid", ("Medi-Cal",)),
    ("tricare-va", "TRICARE / VA", ("TRICARE", "TriWest", "VA Community Care")),
    ("sliding-scale", "Sliding scale", ("sliding scale fees", "reduced fee")),
)

_CARRIER_ROWS = (
    ("aetna", "Aetna", ("Aetna Health", "Meritain Health")),
    ("bcbs", "Blue Cross Blue Shield", ("BCBS", "Blue Cross", "Blue Shield", "BlueCross BlueShield", "BlueCross and BlueShield", "Anthem", "Anthem Blue Cross", "Empire BCBS", "Horizon BCBS", "Highmark", "CareFirst", "Florida Blue", "Regence", "Premera", "Independence Blue Cross")),
    ("cigna", "Cigna", ("Cigna and Evernorth", "Evernorth")),
    ("unitedhealthcare", "UnitedHealthcare", ("United Healthcare", "UHC", "Optum", "Oxford", "UMR")),
    ("humana", "Humana", ()),
    ("kaiser", "Kaiser Permanente", ("Kaiser",)),
    ("ash", "American Specialty Health", ("ASH", "ASH Networks")),
    ("multiplan", "MultiPlan", ("PHCS",)),
)

TECHNIQUES: dict[str, Term] = {i: Term(i, lab, sp) for i, lab, sp in _TECHNIQUE_ROWS}
INSURANCES: dict[str, Term] = {
    **{i: Term(i, lab, sp, "coverage") for i, lab, sp in _COVERAGE_ROWS},
    **{i: Term(i, lab, sp, "carrier") for i, lab, sp in _CARRIER_ROWS},
}

CREDENTIALS: dict[str, str] = {
    "LMT": "Licensed Massage Therapist (most states)",
    "LMP": "Licensed Massage Practitioner (Washington, older title)",
    "LMBT": "Licensed Massage and Bodywork Therapist (North Carolina)",
    "CMT": "Certified Massage Therapist (California, 500+ hours)",
    "CMP": "Certified Massage Practitioner (California, 250-499 hours)",
    "RMT": "Registered Massage Therapist",
    "BCTMB": "Board Certified in Therapeutic Massage & Bodywork (NCBTMB)",
    "NCTMB": "older national certification (NCBTMB)",
    "NCTM": "older national certification (NCBTMB)",
}

# Plain ways to pay, as keys: not insurance (no id) and not unmapped either.
# HSA/FSA and sliding scale are ids (INSURANCES), not listed here.
PAYMENT_METHODS: frozenset[str] = frozenset({
    "cash", "credit card", "credit cards", "credit", "debit card", "debit cards", "debit",
    "card", "cards", "check", "checks", "personal check", "personal checks", "cheque", "cheques",
    "visa", "mastercard", "master card", "amex", "american express", "discover",
    "venmo", "zelle", "paypal", "apple pay", "google pay", "samsung pay", "cash app", "cashapp",
    "square", "carecredit", "care credit", "money order", "money orders",
    "gift certificate", "gift certificates", "gift card", "gift cards",
})
# Words around payment methods that do not change what they are ("Cash only",
# "All major credit cards accepted").
_PAYMENT_FILLER = frozenset({
    "accept", "accepts", "accepted", "we", "only", "all", "major", "most", "and", "or",
    "forms", "of", "payment", "payments", "also",
})

# Abbreviations that match only as whole words and, when scanning, only in upper case.
_ABBREVIATIONS = frozenset({
    "art", "ais", "cst", "mfr", "nmt", "mld", "tpt", "pip", "oon", "uhc", "ash",
    "hsa", "fsa", "hra", "mva",
})
# A trailing word that may follow a bare spelling in a whole value ("Reflexology Massage").
_GENERIC_TAIL = {
    TECHNIQUE: frozenset({"massage", "therapy", "therapies", "technique", "techniques",
                          "bodywork", "work", "treatment", "treatments", "session", "sessions", "method"}),
    INSURANCE: frozenset({"insurance", "plan", "plans", "accepted", "coverage"}),
}
_NEGATIONS = frozenset({"no", "not", "non", "dont", "doesnt", "cannot", "never", "nor"})
# Spellings whose hyphen-joined form is another word: "MediCal" would read "medical".
_NO_JOIN = frozenset({"Medi-Cal"})
# Shiatsu is a form of acupressure: a filter on the parent also matches the child.
_CHILDREN = {"acupressure": ("shiatsu",)}

# str.translate tables rather than regular expressions: cheaper to build at import.
# Apostrophes go, "&" reads "and", other ASCII punctuation separates words.
_PUNCTUATION = str.maketrans({
    **{c: " " for c in "!\"#$%()*+,-./:;<=>?@[\\]^_{|}~"},
    **{c: None for c in "'`\u2018\u2019\u02bc"},
    "&": " and ",
})
# What separates the items of a list written in one value.
_SEPARATORS = str.maketrans({c: "/" for c in ",;|\n\u2022\u00b7"})


def _strip_accents(text: str) -> str:
    import unicodedata  # only for non-ASCII text

    text = unicodedata.normalize("NFKD", text)
    return "".join(c for c in text if not unicodedata.combining(c))


def _tokens(text: str) -> tuple[list[str], list[str]]:
    """`text` as (tokens in their original case, the same tokens casefolded)."""
    if text.isascii():
        text = text.translate(_PUNCTUATION)
        return text.split(), text.lower().split()
    text = _strip_accents(text).translate(_PUNCTUATION)
    orig = "".join(c if c.isalnum() else " " for c in text).split()
    return orig, [_strip_accents(t.casefold()) for t in orig]


def _parentheses(value: str) -> tuple[str, list[str]]:
    """("text outside parentheses", ["text inside each"]), innermost pairs."""
    outside: list[str] = []
    inside: list[str] = []
    start = 0
    while (opening := value.find("(", start)) >= 0 and (closing := value.find(")", opening)) >= 0:
        opening = value.rfind("(", opening, closing)
        outside.append(value[start:opening])
        inside.append(value[opening + 1:closing])
        start = closing + 1
    outside.append(value[start:])
    return " ".join(outside), inside


def normalize(text: str) -> str:
    """The matching key: "Myo-Fascial  Release" -> "myo fascial release"."""
    return " ".join(_tokens(text)[1])


class _Table:
    """One vocabulary's keys: key -> id, plus what the token scan needs."""

    def __init__(self, terms: dict[str, Term]):
        self.terms = terms
        self.keys: dict[str, str] = {}
        for term in terms.values():
            for text in (term.id, term.label, *term.spellings):
                self._add(normalize(text), term.id)
            for text in (term.label, *term.spellings):
                if "-" in text and text not in _NO_JOIN:
                    self._add(normalize(text.replace("-", "")), term.id)
        # first token -> the longest key (in tokens) starting with it
        self.first: dict[str, int] = {}
        for key in self.keys:
            head, _, _ = key.partition(" ")
            self.first[head] = max(self.first.get(head, 0), key.count(" ") + 1)
        self.abbreviation_keys = frozenset(
            k for k in self.keys if all(t in _ABBREVIATIONS for t in k.split()))

    def _add(self, key: str, term_id: str) -> None:
        if self.keys.setdefault(key, term_id) != term_id:
            raise ValueError(f"vocabulary key {key!r} maps to {self.keys[key]!r} and {term_id!r}")


_TABLES: dict[str, _Table] = {}  # built on first use: importing stays cheap


def _table(kind: str) -> _Table:
    table = _TABLES.get(kind)
    if table is None:
        terms = {TECHNIQUE: TECHNIQUES, INSURANCE: INSURANCES}.get(kind)
        if terms is None:
            raise ValueError(f"unknown vocabulary {kind!r}: expected {TECHNIQUE!r} or {INSURANCE!r}")
        table = _TABLES[kind] = _Table(terms)
    return table


def _lookup_tokens(table: _Table, tail: frozenset[str], orig: list[str], norm: list[str],
                   strict: bool) -> str | None:
    """The tokens as one key, or minus trailing generic words. `strict`: an
    abbreviation must be written in upper case (it is not the whole value)."""
    while norm:
        key = " ".join(norm)
        term_id = table.keys.get(key)
        if term_id is not None:
            if strict and key in table.abbreviation_keys and not all(t.isupper() for t in orig):
                return None
            return term_id
        if len(norm) < 2 or norm[-1] not in tail:
            return None
        orig, norm, strict = orig[:-1], norm[:-1], True
    return None


def _lookup(kind: str, value: str, tokens: tuple[list[str], list[str]] | None = None) -> str | None:
    table, tail = _table(kind), _GENERIC_TAIL[kind]
    term_id = _lookup_tokens(table, tail, *(tokens or _tokens(value)), strict=False)
    if term_id is None and "(" in value:
        outside, insides = _parentheses(value)
        term_id = _lookup_tokens(table, tail, *_tokens(outside), strict=False)
        for inside in insides:
            if term_id is not None:
                break
            term_id = _lookup_tokens(table, tail, *_tokens(inside), strict=True)
    return term_id


def lookup(kind: str, value: str) -> str | None:
    """One value ("Deep Tissue", "deep-tissue", "MFR") -> its id, or None.

    Exact keys only; tolerates a parenthesised abbreviation ("Myofascial
    Release (MFR)") and a trailing generic word ("Reflexology Massage").
    """
    return _lookup(kind, value)


def _scan(table: _Table, orig: list[str], norm: list[str]) -> list[str]:
    """Every key found in the tokens as a whole-word phrase, longest first, not
    overlapping, in text order. Abbreviations must be written in upper case."""
    if _NEGATIONS.intersection(norm):
        return []
    n = len(norm)
    found = []  # (length, start, id)
    for i, token in enumerate(norm):
        longest = table.first.get(token)
        if not longest:
            continue
        for length in range(min(longest, n - i), 0, -1):
            key = " ".join(norm[i:i + length]) if length > 1 else token
            term_id = table.keys.get(key)
            if term_id is None:
                continue
            if key in table.abbreviation_keys and not all(t.isupper() for t in orig[i:i + length]):
                continue
            found.append((length, i, term_id))
    found.sort(key=lambda f: (-f[0], f[1]))
    taken = [False] * n
    picked = []
    for length, start, term_id in found:
        if not any(taken[start:start + length]):
            taken[start:start + length] = [True] * length
            picked.append((start, term_id))
    return [term_id for _, term_id in sorted(picked)]


def _is_payment(tokens: list[str]) -> bool:
    """True when the tokens name only plain payment methods ("cash visa")."""
    i, n, seen = 0, len(tokens), False
    while i < n:
        if tokens[i] in _PAYMENT_FILLER:
            i += 1
            continue
        for length in (3, 2, 1):
            if i + length <= n and " ".join(tokens[i:i + length]) in PAYMENT_METHODS:
                i, seen = i + length, True
                break
        else:
            return False
    return seen


@lru_cache(maxsize=8192)
def _map_one(kind: str, value: str) -> tuple[tuple[str, ...], bool]:
    """(ids, whether a value without ids is still accounted for: a payment
    method or nothing but punctuation) for one stripped raw value."""
    parts = [part for part in value.translate(_SEPARATORS).split("/") if part.strip()]
    tokens = _tokens(value)
    term_id = _lookup(kind, value, tokens)
    if term_id is not None and (len(parts) == 1 or "(" not in value):
        return (term_id,), False
    # Several parts, or what a parenthesis adds: "Deep tissue (trigger point, myofascial)".
    table = _table(kind)
    ids = [term_id] if term_id is not None else []
    for part in parts:
        part_tokens = _tokens(part)
        term_id = _lookup(kind, part, part_tokens) if len(parts) > 1 else None
        for found in ((term_id,) if term_id is not None else _scan(table, *part_tokens)):
            if found not in ids:
                ids.append(found)
    if ids:
        return tuple(ids), False
    return (), not tokens[1] or _is_payment(tokens[1])


def map_values(kind: str, values: Iterable[str]) -> tuple[list[str], list[str]]:
    """Raw directory values -> (ids, first seen first, no repeats; the values
    that gave no id and are no payment method, stripped, as written)."""
    _table(kind)  # an unknown kind fails even for no values
    ids: list[str] = []
    unmapped: list[str] = []
    for raw in values:
        value = raw.strip() if raw else ""
        if not value:
            continue
        found, accounted = _map_one(kind, value)
        for term_id in found:
            if term_id not in ids:
                ids.append(term_id)
        if not found and not accounted and value not in unmapped:
            unmapped.append(value)
    return ids, unmapped


def map_techniques(values: Iterable[str]) -> tuple[list[str], list[str]]:
    return map_values(TECHNIQUE, values)


def map_insurance(values: Iterable[str]) -> tuple[list[str], list[str]]:
    return map_values(INSURANCE, values)


_ACCEPTS = frozenset({"health-insurance", "medicare", "medicaid", "tricare-va"})


def accepts_insurance(insurance_ids: Iterable[str]) -> bool:
    """True for health insurance, Medicare, Medicaid, TRICARE/VA or any carrier;
    auto/PIP, workers' comp, HSA/FSA, sliding scale and out-of-network are not."""
    for term_id in insurance_ids:
        term = INSURANCES.get(term_id)
        if term_id in _ACCEPTS or (term is not None and term.group == "carrier"):
            return True
    return False


def expand_technique(tech_id: str) -> tuple[str, ...]:
    """The ids a filter on `tech_id` matches: acupressure also matches shiatsu."""
    return (tech_id, *_CHILDREN.get(tech_id, ()))


def closest(kind: str, value: str, n: int = 3) -> list[str]:
    """Up to `n` ids whose id, label or spellings look most like `value`, best
    first: for "did you mean" messages, never for matching."""
    from difflib import SequenceMatcher  # only on the error path

    table = _table(kind)
    key = normalize(value)
    if not key:
        return []
    order = {term_id: i for i, term_id in enumerate(table.terms)}
    best: dict[str, float] = {}
    matcher = SequenceMatcher(None, b=key)
    for candidate, term_id in table.keys.items():
        matcher.set_seq1(candidate)
        if matcher.real_quick_ratio() < 0.6 or matcher.quick_ratio() < 0.6:
            continue
        score = matcher.ratio()
        if score >= 0.6 and score > best.get(term_id, 0.0):
            best[term_id] = score
    ranked = sorted(best, key=lambda term_id: (-best[term_id], order[term_id]))
    return ranked[:n]


def all_spellings(kind: str) -> dict[str, str]:
    """Every key -> its id (a copy): ids, labels, spellings and joined forms."""
    return dict(_table(kind).keys)


def label(kind: str, id: str) -> str:
    """The display label of `id`; KeyError for an unknown id."""
    return _table(kind).terms[id].label


# Gender as the index holds it, and the usual ways of writing each (any case).
GENDERS: tuple[str, ...] = ("female", "male", "non-binary")
GENDER_SPELLINGS: dict[str, str] = {
    "female": "female", "f": "female", "woman": "female", "women": "female",
    "male": "male", "m": "male", "man": "male", "men": "male",
    "non-binary": "non-binary", "non binary": "non-binary", "nonbinary": "non-binary", "nb": "non-binary",
    "enby": "non-binary",
}


def gender(text: str | None) -> str | None:
    """'F', 'Woman', 'female' -> 'female'; 'nonbinary' -> 'non-binary'; anything else -> None."""
    key = " ".join((text or "").replace("_", " ").split()).casefold().rstrip(".")
    return GENDER_SPELLINGS.get(key)
