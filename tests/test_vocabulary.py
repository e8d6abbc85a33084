"""index.model.vocabulary against the vocabulary spec (reference/vocabulary.md)."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

import pytest

from index.model import vocabulary as v
from index.model.vocabulary import INSURANCE, TECHNIQUE

# The spec's tables, pasted verbatim: the module's data literals must agree.
SPEC_TECHNIQUES = """
| swedish | Swedish massage | Swedish, classic massage, classical massage, relaxation massage, European massage |
| deep-tissue | Deep tissue massage | deep tissue, deep muscle therapy, deep pressure massage |
| sports | Sports massage | sports, athletic massage, pre-event massage, post-event massage |
| trigger-point | Trigger point therapy | trigger point, TPT, myotherapy |
| neuromuscular | Neuromuscular therapy | NMT, neuromuscular massage, neuro-muscular therapy, St. John method |
| myofascial-release | Myofascial release | MFR, myofascial, myo-fascial release, fascial release |
| craniosacral | CranioSacral therapy | CST, cranio-sacral, cranial sacral, craniosacral massage, Upledger |
| lymphatic-drainage | Manual lymphatic drainage | MLD, lymphatic drainage, lymph drainage, lymphatic massage, Vodder |
| prenatal | Prenatal massage | prenatal, pregnancy massage, pregnancy, maternity massage, perinatal massage, postpartum massage |
| hot-stone | Hot stone massage | hot stone, hot stones, stone massage |
| reflexology | Reflexology | foot reflexology, zone therapy |
| acupressure | Acupressure | pressure point therapy, Jin Shin Do |
| shiatsu | Shiatsu | Japanese acupressure, zen shiatsu |
| thai | Thai massage | Thai, Thai yoga massage, Nuad Bo-Rarn, traditional Thai massage |
| orthopedic | Orthopedic massage | ortho massage, orthopedic massage therapy |
| medical | Medical massage | clinical massage, rehabilitative massage, injury massage |
| chair | Chair massage | seated massage, on-site chair massage |
| aromatherapy | Aromatherapy massage | aromatherapy, essential oil massage |
| cupping | Cupping | cupping therapy, myofascial cupping |
| structural-integration | Structural integration | Rolfing, Hellerwork |
| active-release | Active Release Techniques | ART, active release |
| assisted-stretching | Assisted stretching | AIS, active isolated stretching, stretch therapy |
| lomi-lomi | Lomi lomi | lomilomi, Hawaiian massage |
| ashiatsu | Ashiatsu | barefoot massage |
| tui-na | Tui na | tuina, Chinese medical massage |
| reiki | Reiki | energy work |
| oncology | Oncology massage | cancer massage |
| geriatric | Geriatric massage | senior massage, elder massage |
"""
SPEC_COVERAGE = """
| health-insurance | Accepts health insurance | insurance accepted, accepts insurance, we bill insurance, in-network, in network |
| out-of-network | Out-of-network (superbill) | out of network, OON, superbill |
| auto-pip | Auto accident / PIP | auto accident, PIP, personal injury protection, motor vehicle accident, MVA, Med-Pay, auto insurance |
| workers-comp | Workers' compensation | workers comp, workers compensation, work comp, L&I |
| hsa-fsa | HSA / FSA | HSA, FSA, HSA/FSA, FSA/HSA, health savings account, flexible spending account, HRA |
| medicare | Medicare | Medicare Advantage |
| medicaid | Medicaid | Medi-Cal |
| tricare-va | TRICARE / VA | TRICARE, TriWest, VA Community Care |
| sliding-scale | Sliding scale | sliding scale fees, reduced fee |
"""
SPEC_CARRIERS = """
| aetna | Aetna | Aetna Health, Meritain Health |
| bcbs | Blue Cross Blue Shield | BCBS, Blue Cross, Blue Shield, BlueCross BlueShield, BlueCross and BlueShield, Anthem, Anthem Blue Cross, Empire BCBS, Horizon BCBS, Highmark, CareFirst, Florida Blue, Regence, Premera, Independence Blue Cross |
| cigna | Cigna | Cigna and Evernorth, Evernorth |
| unitedhealthcare | UnitedHealthcare | United Healthcare, UHC, Optum, Oxford, UMR |
| humana | Humana | |
| kaiser | Kaiser Permanente | Kaiser |
| ash | American Specialty Health | ASH, ASH Networks |
| multiplan | MultiPlan | PHCS |
"""


def parse_rows(table: str, group: str = "") -> list[v.Term]:
    terms = []
    for line in table.strip().splitlines():
        term_id, label, spellings = (cell.strip() for cell in line.strip().strip("|").split("|"))
        terms.append(v.Term(term_id, label, tuple(s.strip() for s in spellings.split(",") if s.strip()), group))
    return terms


SPEC = {
    TECHNIQUE: parse_rows(SPEC_TECHNIQUES),
    INSURANCE: parse_rows(SPEC_COVERAGE, "coverage") + parse_rows(SPEC_CARRIERS, "carrier"),
}


def test_tables_transcribe_the_spec():
    assert list(v.TECHNIQUES.values()) == SPEC[TECHNIQUE]
    assert list(v.INSURANCES.values()) == SPEC[INSURANCE]
    assert len(v.TECHNIQUES) == 28
    assert len(v.INSURANCES) == 17
    assert all(term_id == term.id for term_id, term in {**v.TECHNIQUES, **v.INSURANCES}.items())


def test_credentials():
    assert list(v.CREDENTIALS) == ["LMT", "LMP", "LMBT", "CMT", "CMP", "RMT", "BCTMB", "NCTMB", "NCTM"]
    assert v.CREDENTIALS["LMT"] == "Licensed Massage Therapist (most states)"
    assert v.CREDENTIALS["CMP"] == "Certified Massage Practitioner (California, 250-499 hours)"
    assert v.CREDENTIALS["BCTMB"] == "Board Certified in Therapeutic Massage & Bodywork (NCBTMB)"


def test_term_is_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        v.TECHNIQUES["swedish"].label = "x"  # type: ignore[misc]


def variants(text: str, join: bool = True) -> set[str]:
    """The ways a directory may write `text`: any case, hyphen or space, & or
    and; `join`: a hyphen inside a word may also be dropped ("myofascial")."""
    out = {text, text.upper(), text.lower()}
    if "-" in text:
        out.add(text.replace("-", " "))
        if join and text != "Medi-Cal":  # "MediCal" would read "medical"
            out.add(text.replace("-", ""))
    if " " in text:
        out.add(text.replace(" ", "-"))
    if " and " in text:
        out.add(text.replace(" and ", " & "))
    if "&" in text:
        out.update({text.replace("&", " and "), text.replace("&", " & ")})
    return out


CASES = sorted(
    {
        (kind, term.id, variant)
        for kind, terms in SPEC.items()
        for term in terms
        for written, join in ((term.id, False), (term.label, True), *((sp, True) for sp in term.spellings))
        for variant in variants(written, join)
    }
)


@pytest.mark.parametrize(("kind", "term_id", "text"), CASES)
def test_every_spelling_maps_to_its_id(kind, term_id, text):
    assert v.lookup(kind, text) == term_id
    assert v.map_values(kind, [text]) == ([term_id], [])


def test_cases_cover_the_interesting_variants():
    texts = {text for _, _, text in CASES}
    for expected in ("myofascial release", "myo fascial release", "MYO-FASCIAL RELEASE", "craniosacral",
                     "neuromuscular therapy", "Cigna & Evernorth", "L and I", "BlueCross & BlueShield",
                     "Deep-tissue-massage", "Nuad BoRarn", "Med Pay"):
        assert expected in texts
    assert len(CASES) > 600


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("Myo-Fascial  Release", "myo fascial release"),
        ("Workers' Comp", "workers comp"),
        ("Workers\u2019 Comp", "workers comp"),
        ("L&I", "l and i"),
        ("St. John method", "st john method"),
        ("HSA/FSA", "hsa fsa"),
        ("Réflexologie, “plantaire”", "reflexologie plantaire"),
        ("  ", ""),
    ],
)
def test_normalize(text, key):
    assert v.normalize(text) == key


@pytest.mark.parametrize(
    ("kind", "text", "term_id"),
    [
        (TECHNIQUE, "Deep Tissue", "deep-tissue"),
        (TECHNIQUE, "deep-tissue", "deep-tissue"),
        (TECHNIQUE, "MFR", "myofascial-release"),
        (TECHNIQUE, "Myofascial Release (MFR)", "myofascial-release"),
        (TECHNIQUE, "Active Release Technique (ART)", "active-release"),
        (TECHNIQUE, "Craniosacral Therapy (CST)", "craniosacral"),
        (TECHNIQUE, "Sports Massage", "sports"),
        (TECHNIQUE, "Reflexology Massage", "reflexology"),
        (TECHNIQUE, "Reiki Therapy", "reiki"),
        (TECHNIQUE, "Hot Stones", "hot-stone"),
        (TECHNIQUE, "ART therapy", "active-release"),
        (TECHNIQUE, "art", "active-release"),
        (INSURANCE, "hsa/fsa", "hsa-fsa"),
        (INSURANCE, "HSA / FSA", "hsa-fsa"),
        (INSURANCE, "Auto Accident (PIP)", "auto-pip"),
        (INSURANCE, "Aetna Insurance", "aetna"),
        (INSURANCE, "Workers\u2019 Compensation", "workers-comp"),
    ],
)
def test_lookup(kind, text, term_id):
    assert v.lookup(kind, text) == term_id


@pytest.mark.parametrize(
    ("kind", "text"),
    [
        (TECHNIQUE, ""),
        (TECHNIQUE, "deep tisue"),  # never fuzzy
        (TECHNIQUE, "Art therapy"),  # a trailing word does not make "art" an abbreviation
        (TECHNIQUE, "Swedish & Deep Tissue"),  # two ids: not one value
        (TECHNIQUE, "massage"),
        (TECHNIQUE, "Medicare"),  # the other vocabulary
        (INSURANCE, "Swedish"),
        (INSURANCE, "MediCal"),
        (INSURANCE, "hsaxyz"),
        (INSURANCE, "insurance"),
    ],
)
def test_lookup_none(kind, text):
    assert v.lookup(kind, text) is None


def test_unknown_kind():
    with pytest.raises(ValueError, match="unknown vocabulary 'techniques'"):
        v.lookup("techniques", "swedish")
    with pytest.raises(ValueError):
        v.map_values("payment", [])


@pytest.mark.parametrize(
    ("kind", "value", "ids"),
    [
        (TECHNIQUE, "Swedish & Deep Tissue", ["swedish", "deep-tissue"]),
        (TECHNIQUE, "Swedish and deep tissue", ["swedish", "deep-tissue"]),
        (TECHNIQUE, "Therapeutic deep tissue work", ["deep-tissue"]),
        (TECHNIQUE, "Japanese acupressure", ["shiatsu"]),
        (TECHNIQUE, "Traditional Japanese acupressure", ["shiatsu"]),
        (TECHNIQUE, "myofascial cupping", ["cupping"]),
        (TECHNIQUE, "Prenatal / Pregnancy", ["prenatal"]),
        (TECHNIQUE, "Swedish, Shiatsu; Reiki", ["swedish", "shiatsu", "reiki"]),
        (TECHNIQUE, "Deep tissue (trigger point, myofascial)", ["deep-tissue", "trigger-point", "myofascial-release"]),
        (TECHNIQUE, "Deep Tissue Massage", ["deep-tissue"]),
        (TECHNIQUE, "St. John method", ["neuromuscular"]),
        (TECHNIQUE, "Nuad Bo-Rarn", ["thai"]),
        (TECHNIQUE, "Hot Stones", ["hot-stone"]),
        (TECHNIQUE, "Traditional Thai Massage and Thai yoga", ["thai"]),
        (TECHNIQUE, "Specializing in MFR and NMT", ["myofascial-release", "neuromuscular"]),
        (INSURANCE, "HSA / FSA", ["hsa-fsa"]),
        (INSURANCE, "FSA/HSA cards", ["hsa-fsa"]),
        (INSURANCE, "Accepts Health Insurance", ["health-insurance"]),
        (INSURANCE, "Workers' Compensation", ["workers-comp"]),
        (INSURANCE, "Auto Accident (PIP)", ["auto-pip"]),
        (INSURANCE, "Blue Cross Blue Shield", ["bcbs"]),
        (INSURANCE, "Blue Cross and Blue Shield of Texas", ["bcbs"]),
        (INSURANCE, "Cigna and Evernorth", ["cigna"]),
        (INSURANCE, "Cigna & Evernorth", ["cigna"]),
        (INSURANCE, "L&I", ["workers-comp"]),
        (INSURANCE, "Washington L&I claims", ["workers-comp"]),
        (INSURANCE, "Medi-Cal", ["medicaid"]),
        (INSURANCE, "Aetna, Cigna, UnitedHealthcare", ["aetna", "cigna", "unitedhealthcare"]),
        (INSURANCE, "Cash, HSA/FSA", ["hsa-fsa"]),
        (INSURANCE, "Motor vehicle accident claims", ["auto-pip"]),
        (INSURANCE, "Out-of-Network (Superbill)", ["out-of-network"]),
        # Longest phrase first, not leftmost: "health savings account" beats "aetna health".
        (INSURANCE, "Aetna Health Savings Account", ["aetna", "hsa-fsa"]),
    ],
)
def test_map_values(kind, value, ids):
    assert v.map_values(kind, [value]) == (ids, [])


@pytest.mark.parametrize(
    ("kind", "value", "ids"),
    [
        # Upper case inside a longer value: the abbreviation.
        (TECHNIQUE, "ART", ["active-release"]),
        (TECHNIQUE, "Certified in ART", ["active-release"]),
        (TECHNIQUE, "CST level 2", ["craniosacral"]),
        (TECHNIQUE, "Manual lymph drainage (MLD)", ["lymphatic-drainage"]),
        (INSURANCE, "HSA-eligible", ["hsa-fsa"]),
        (INSURANCE, "PIP claims", ["auto-pip"]),
        (INSURANCE, "In network with UHC", ["health-insurance", "unitedhealthcare"]),
        # The whole value is the abbreviation: any case.
        (TECHNIQUE, "art", ["active-release"]),
        (TECHNIQUE, "Mfr", ["myofascial-release"]),
        (INSURANCE, "pip", ["auto-pip"]),
        (INSURANCE, "hsa", ["hsa-fsa"]),
    ],
)
def test_abbreviations_match_as_whole_words(kind, value, ids):
    assert v.map_values(kind, [value]) == (ids, [])


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        (TECHNIQUE, "Smart"),
        (TECHNIQUE, "Heart centered"),
        (TECHNIQUE, "the art of touch"),  # lower case inside a longer value
        (TECHNIQUE, "Art therapy"),
        (TECHNIQUE, "Startled muscles"),
        (TECHNIQUE, "cst level 2"),
        (INSURANCE, "Washington"),
        (INSURANCE, "hsaxyz"),
        (INSURANCE, "Hashtag"),
        (INSURANCE, "pip claims"),
        (INSURANCE, "Clash"),
    ],
)
def test_abbreviations_never_match_inside_words_or_in_lower_case(kind, value):
    assert v.map_values(kind, [value]) == ([], [value])


@pytest.mark.parametrize(
    "value",
    ["Cash", "Credit Card", "credit cards", "Venmo", "Zelle", "PayPal", "Check", "Apple Pay",
     "Cash, Check, Visa", "Cash & credit cards", "Cash only", "All major credit cards accepted",
     "Gift certificates", "Debit card"],
)
def test_payment_methods_are_neither_ids_nor_unmapped(value):
    assert v.map_insurance([value]) == ([], [])
    assert v.normalize("Credit Card") in v.PAYMENT_METHODS


def test_payment_methods_are_keys_and_not_insurance():
    assert {"cash", "credit card", "check", "venmo", "zelle", "paypal", "apple pay"} <= v.PAYMENT_METHODS
    assert all(v.normalize(method) == method for method in v.PAYMENT_METHODS)
    assert not v.PAYMENT_METHODS & set(v.all_spellings(INSURANCE))


def test_unmapped_values_are_returned_stripped_as_written():
    ids, unmapped = v.map_insurance(
        ["  Aetna ", "Cash", "Tricare Select?", "Foo Health Plan  ", "Aetna", "Foo Health Plan", "", "  ", "-"]
    )
    assert ids == ["aetna", "tricare-va"]
    assert unmapped == ["Foo Health Plan"]


def test_ids_are_deduplicated_in_first_seen_order():
    ids, unmapped = v.map_techniques(
        ["Reiki", "Swedish massage", "Swedish", "Relaxation massage", "Deep tissue", "Reiki", "Thérapie crânienne"]
    )
    assert ids == ["reiki", "swedish", "deep-tissue"]
    assert unmapped == ["Thérapie crânienne"]


def test_negated_values_are_unmapped_not_guessed():
    assert v.map_insurance(["Not in-network", "No insurance accepted"]) == (
        [], ["Not in-network", "No insurance accepted"])
    assert v.map_insurance(["Not in-network", "Cigna"]) == (["cigna"], ["Not in-network"])


def test_map_shortcuts_use_their_vocabulary():
    assert v.map_techniques(["Medicare", "Swedish"]) == (["swedish"], ["Medicare"])
    assert v.map_insurance(["Medicare", "Swedish"]) == (["medicare"], ["Swedish"])


@pytest.mark.parametrize(
    ("ids", "accepts"),
    [
        (["health-insurance"], True),
        (["medicare"], True),
        (["medicaid"], True),
        (["tricare-va"], True),
        (["aetna"], True),
        (["multiplan"], True),
        (["hsa-fsa", "ash"], True),
        (["auto-pip"], False),
        (["workers-comp"], False),
        (["hsa-fsa"], False),
        (["sliding-scale"], False),
        (["out-of-network"], False),
        (["auto-pip", "workers-comp", "hsa-fsa", "sliding-scale", "out-of-network"], False),
        ([], False),
        (["not-an-id"], False),
    ],
)
def test_accepts_insurance(ids, accepts):
    assert v.accepts_insurance(ids) is accepts
    assert v.accepts_insurance(iter(ids)) is accepts


def test_every_carrier_accepts_insurance():
    carriers = [term.id for term in v.INSURANCES.values() if term.group == "carrier"]
    assert len(carriers) == 8
    assert all(v.accepts_insurance([carrier]) for carrier in carriers)


def test_expand_technique():
    assert v.expand_technique("acupressure") == ("acupressure", "shiatsu")
    assert v.expand_technique("shiatsu") == ("shiatsu",)
    assert v.expand_technique("swedish") == ("swedish",)


@pytest.mark.parametrize(
    ("kind", "value", "first"),
    [
        (TECHNIQUE, "deep tisue", "deep-tissue"),
        (TECHNIQUE, "shiatzu", "shiatsu"),
        (TECHNIQUE, "swedsh", "swedish"),
        (TECHNIQUE, "cranial sacrel", "craniosacral"),
        (TECHNIQUE, "Deep Tissue", "deep-tissue"),
        (INSURANCE, "aetan", "aetna"),
        (INSURANCE, "medicare advantge", "medicare"),
        (INSURANCE, "blue cros", "bcbs"),
    ],
)
def test_closest(kind, value, first):
    suggestions = v.closest(kind, value)
    assert suggestions[0] == first
    assert len(suggestions) == len(set(suggestions)) <= 3


def test_closest_limits_and_misses():
    assert v.closest(TECHNIQUE, "shiatzu") == ["shiatsu", "ashiatsu"]
    assert v.closest(TECHNIQUE, "shiatzu", n=1) == ["shiatsu"]
    assert v.closest(TECHNIQUE, "xylophone") == []
    assert v.closest(TECHNIQUE, "") == []


def test_all_spellings():
    keys = v.all_spellings(TECHNIQUE)
    assert keys["deep tissue"] == "deep-tissue"
    assert keys["myofascial release"] == keys["myo fascial release"] == "myofascial-release"
    assert keys["craniosacral"] == keys["cranio sacral"] == "craniosacral"
    assert keys["lomilomi"] == keys["lomi lomi"] == "lomi-lomi"
    assert keys["neuromuscular"] == keys["neuro muscular therapy"] == "neuromuscular"
    assert set(keys.values()) == set(v.TECHNIQUES)
    assert all(key == v.normalize(key) for key in keys)
    keys["deep tissue"] = "swedish"  # a copy: the module's table is untouched
    assert v.lookup(TECHNIQUE, "deep tissue") == "deep-tissue"
    insurance = v.all_spellings(INSURANCE)
    assert insurance["l and i"] == "workers-comp"
    assert "medical" not in insurance
    assert set(insurance.values()) == set(v.INSURANCES)


def test_every_key_looks_up_to_its_id():
    for kind in (TECHNIQUE, INSURANCE):
        for key, term_id in v.all_spellings(kind).items():
            assert v.lookup(kind, key) == term_id, key


def test_label():
    assert v.label(TECHNIQUE, "deep-tissue") == "Deep tissue massage"
    assert v.label(INSURANCE, "bcbs") == "Blue Cross Blue Shield"
    with pytest.raises(KeyError):
        v.label(TECHNIQUE, "bcbs")


def test_import_is_light():
    code = (
        "import sys, index.model.vocabulary as v; v.map_techniques(['Swedish']); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('scrapy', 'click', 'twisted', 'whoosh', 'difflib', 'typing')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=Path(__file__).resolve().parents[1],
        capture_output=True, text=True, check=True,
    )
    assert result.stdout.strip() == "[]"
