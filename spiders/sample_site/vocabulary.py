"""Vocabulary ids and the spellings the sample directory writes for them.

Copied from `shared/reference/vocabulary.md` (the contract): id -> label and
other spellings. The generator writes one spelling per value, then varies it the
way therapists type: case, "&"/"and", hyphen/space, a parenthesised
abbreviation ("Myofascial Release (MFR)") or two spellings of the same id joined
with "/" ("Prenatal / Pregnancy"). Every variant of an id's spelling maps back
to that id and to no other, so the truth records can list the ids exactly.
"""

from __future__ import annotations

import random

# id: (label, other spellings...)
TECHNIQUES: dict[str, tuple[str, ...]] = {
    "swedish": ("Swedish massage", "Swedish", "classic massage", "classical massage", "relaxation massage", "European massage"),
    "deep-tissue": ("Deep tissue massage", "deep tissue", "deep muscle therapy", "deep pressure massage"),
    "sports": ("Sports massage", "sports", "athletic massage", "pre-event massage", "post-event massage"),
    "trigger-point": ("Trigger point therapy", "trigger point", "TPT", "myotherapy"),
    "neuromuscular": ("Neuromuscular therapy", "NMT", "neuromuscular massage", "neuro-muscular therapy", "St. John method"),
    "myofascial-release": ("Myofascial release", "MFR", "myofascial", "myo-fascial release", "fascial release"),
    "craniosacral": ("CranioSacral therapy", "CST", "cranio-sacral", "cranial sacral", "craniosacral massage", "Upledger"),
    "lymphatic-drainage": ("Manual lymphatic drainage", "MLD", "lymphatic drainage", "lymph drainage", "lymphatic massage", "Vodder"),
    "prenatal": ("Prenatal massage", "prenatal", "pregnancy massage", "pregnancy", "maternity massage", "perinatal massage", "postpartum massage"),
    "hot-stone": ("Hot stone massage", "hot stone", "hot stones", "stone massage"),
    "reflexology": ("Reflexology", "foot reflexology", "zone therapy"),
    "acupressure": ("Acupressure", "pressure point therapy", "Jin Shin Do"),
    "shiatsu": ("Shiatsu", "Japanese acupressure", "zen shiatsu"),
    "thai": ("Thai massage", "Thai", "Thai yoga massage", "Nuad Bo-Rarn", "traditional Thai massage"),
    "orthopedic": ("Orthopedic massage", "ortho massage", "orthopedic massage therapy"),
    "medical": ("Medical massage", "clinical massage", "rehabilitative massage", "injury massage"),
    "chair": ("Chair massage", "seated massage", "on-site chair massage"),
    "aromatherapy": ("Aromatherapy massage", "aromatherapy", "essential oil massage"),
    "cupping": ("Cupping", "cupping therapy", "myofascial cupping"),
    "structural-integration": ("Structural integration", "Rolfing", "Hellerwork"),
    "active-release": ("Active Release Techniques", "ART", "active release"),
    "assisted-stretching": ("Assisted stretching", "AIS", "active isolated stretching", "stretch therapy"),
    "lomi-lomi": ("Lomi lomi", "lomilomi", "Hawaiian massage"),
    "ashiatsu": ("Ashiatsu", "barefoot massage"),
    "tui-na": ("Tui na", "tuina", "Chinese medical massage"),
    "reiki": ("Reiki", "energy work"),
    "oncology": ("Oncology massage", "cancer massage"),
    "geriatric": ("Geriatric massage", "senior massage", "elder massage"),
}

COVERAGE: dict[str, tuple[str, ...]] = {
    "health-insurance": ("Accepts health insurance", "insurance accepted", "accepts insurance", "we bill insurance", "in-network", "in network"),
    "out-of-network": ("Out-of-network (superbill)", "out of network", "OON", "superbill"),
    "auto-pip": ("Auto accident / PIP", "auto accident", "PIP", "personal injury protection", "motor vehicle accident", "MVA", "Med-Pay", "auto insurance"),
    "workers-comp": ("Workers' compensation", "workers comp", "workers compensation", "work comp", "L&I"),
    "hsa-fsa": ("HSA / FSA", "HSA", "FSA", "HSA/FSA", "FSA/HSA", "health savings account", "flexible spending account", "HRA"),
    "medicare": ("Medicare", "Medicare Advantage"),
    "medicaid": ("Medicaid", "Medi-Cal"),
    "tricare-va": ("TRICARE / VA", "TRICARE", "TriWest", "VA Community Care"),
    "sliding-scale": ("Sliding scale", "sliding scale fees", "reduced fee"),
}

CARRIERS: dict[str, tuple[str, ...]] = {
    "aetna": ("Aetna", "Aetna Health", "Meritain Health"),
    "bcbs": ("Blue Cross Blue Shield", "BCBS", "Blue Cross", "Blue Shield", "BlueCross BlueShield",
             "BlueCross and BlueShield", "Anthem", "Anthem Blue Cross", "Empire BCBS", "Horizon BCBS",
             "Highmark", "CareFirst", "Florida Blue", "Regence", "Premera", "Independence Blue Cross"),
    "cigna": ("Cigna", "Cigna and Evernorth", "Evernorth"),
    "unitedhealthcare": ("UnitedHealthcare", "United Healthcare", "UHC", "Optum", "Oxford", "UMR"),
    "humana": ("Humana",),
    "kaiser": ("Kaiser Permanente", "Kaiser"),
    "ash": ("American Specialty Health", "ASH", "ASH Networks"),
    "multiplan": ("MultiPlan", "PHCS"),
}

INSURANCE: dict[str, tuple[str, ...]] = {**COVERAGE, **CARRIERS}

# The vocabulary's rule: these ids (and any carrier) mean "accepts insurance".
INSURING = frozenset({"health-insurance", "medicare", "medicaid", "tricare-va", *CARRIERS})


def accepts_insurance(ids: list[str]) -> bool | None:
    """The vocabulary's `accepts_insurance` rule; None when nothing is listed."""
    if not ids:
        return None
    return any(i in INSURING for i in ids)


# The abbreviation a therapist puts in parentheses after a long spelling.
ABBREVIATIONS = {
    "trigger-point": "TPT", "neuromuscular": "NMT", "myofascial-release": "MFR", "craniosacral": "CST",
    "lymphatic-drainage": "MLD", "active-release": "ART", "assisted-stretching": "AIS",
    "auto-pip": "PIP", "out-of-network": "OON", "ash": "ASH", "unitedhealthcare": "UHC",
    "bcbs": "BCBS", "multiplan": "PHCS",
}


_HYPHENATED = {"tissue", "stone", "stones", "point", "release", "sacral", "na", "lomi", "drainage", "network"}


def _title(text: str) -> str:
    """Capitalise each word's first letter, keeping the rest ("CranioSacral")."""
    return " ".join(w[:1].upper() + w[1:] for w in text.split(" "))


def _recase(rng: random.Random, text: str) -> str:
    if not any(c.islower() for c in text):
        return text  # abbreviations stay as written
    roll = rng.random()
    if roll < 0.45:
        return _title(text)
    if roll < 0.75:
        return text[:1].upper() + text[1:]
    if roll < 0.92:
        return text.lower()
    return text.upper()


def spell(rng: random.Random, table: dict[str, tuple[str, ...]], vid: str) -> str:
    """One way a therapist might write vocabulary id `vid`."""
    spellings = table[vid]
    abbr = ABBREVIATIONS.get(vid)
    text = rng.choice(spellings)
    roll = rng.random()
    words = [s for s in spellings if s != abbr and "/" not in s and "(" not in s]
    if roll < 0.12 and len(words) >= 2:
        a, b = rng.sample(words, 2)
        return _recase(rng, f"{a[:1].upper()}{a[1:]} / {b}")
    text = _recase(rng, text)
    if abbr and " " in text and "(" not in text and "/" not in text and roll < 0.35:
        return f"{text} ({abbr})"
    if " and " in text.lower() and rng.random() < 0.5:
        i = text.lower().index(" and ")
        return text[:i] + " & " + text[i + 5:]
    two = text.split(" ")
    if len(two) == 2 and two[1].lower() in _HYPHENATED and rng.random() < 0.3:
        return "-".join(two)  # "Deep-tissue", "Tui-na", "in-network"
    return text
