"""The NPPES main file (`npidata_pfile_*.csv`): its 330 columns in CMS's order.

From CMS's Readme Exhibit 2-1 as transcribed in the team's reference
(`nppes/bulk-file.md` section 4): 47 single columns, 15 taxonomy slots of 4,
50 other-identifier slots of 4, 7 single columns, 15 taxonomy groups and
`Certification Date`. The reader maps columns by name, never by position;
the generator writes every one of them so a test file is as wide as a real one.
"""

from __future__ import annotations

TAXONOMY_SLOTS = 15
IDENTIFIER_SLOTS = 50

_HEAD = (
    "NPI", "Entity Type Code", "Replacement NPI", "Employer Identification Number (EIN)",
    "Provider Organization Name (Legal Business Name)", "Provider Last Name (Legal Name)",
    "Provider First Name", "Provider Middle Name", "Provider Name Prefix Text", "Provider Name Suffix Text",
    "Provider Credential Text", "Provider Other Organization Name", "Provider Other Organization Name Type Code",
    "Provider Other Last Name", "Provider Other First Name", "Provider Other Middle Name",
    "Provider Other Name Prefix Text", "Provider Other Name Suffix Text", "Provider Other Credential Text",
    "Provider Other Last Name Type Code",
    "Provider First Line Business Mailing Address", "Provider Second Line Business Mailing Address",
    "Provider Business Mailing Address City Name", "Provider Business Mailing Address State Name",
    "Provider Business Mailing Address Postal Code",
    "Provider Business Mailing Address Country Code (If outside U.S.)",
    "Provider Business Mailing Address Telephone Number", "Provider Business Mailing Address Fax Number",
    "Provider First Line Business Practice Location Address",
    "Provider Second Line Business Practice Location Address",
    "Provider Business Practice Location Address City Name",
    "Provider Business Practice Location Address State Name",
    "Provider Business Practice Location Address Postal Code",
    "Provider Business Practice Location Address Country Code (If outside U.S.)",
    "Provider Business Practice Location Address Telephone Number",
    "Provider Business Practice Location Address Fax Number",
    "Provider Enumeration Date", "Last Update Date", "NPI Deactivation Reason Code", "NPI Deactivation Date",
    "NPI Reactivation Date", "Provider Sex Code", "Authorized Official Last Name",
    "Authorized Official First Name", "Authorized Official Middle Name", "Authorized Official Title or Position",
    "Authorized Official Telephone Number",
)
_TAXONOMY = ("Healthcare Provider Taxonomy Code_{n}", "Provider License Number_{n}",
             "Provider License Number State Code_{n}", "Healthcare Provider Primary Taxonomy Switch_{n}")
_IDENTIFIER = ("Other Provider Identifier_{n}", "Other Provider Identifier Type Code_{n}",
               "Other Provider Identifier State_{n}", "Other Provider Identifier Issuer_{n}")
_TAIL = (
    "Is Sole Proprietor", "Is Organization Subpart", "Parent Organization LBN", "Parent Organization TIN",
    "Authorized Official Name Prefix Text", "Authorized Official Name Suffix Text",
    "Authorized Official Credential Text",
)

COLUMNS: tuple[str, ...] = (
    *_HEAD,
    *(c.format(n=n) for n in range(1, TAXONOMY_SLOTS + 1) for c in _TAXONOMY),
    *(c.format(n=n) for n in range(1, IDENTIFIER_SLOTS + 1) for c in _IDENTIFIER),
    *_TAIL,
    *(f"Healthcare Provider Taxonomy Group_{n}" for n in range(1, TAXONOMY_SLOTS + 1)),
    "Certification Date",
)

# `Provider Sex Code` was `Provider Gender Code` in older files: either is read.
SEX_COLUMNS = ("Provider Sex Code", "Provider Gender Code")


def taxonomy_slot(n: int) -> tuple[str, str, str]:
    """The (code, licence number, licence state) columns of taxonomy slot `n` (1-15)."""
    return _TAXONOMY[0].format(n=n), _TAXONOMY[1].format(n=n), _TAXONOMY[2].format(n=n)


# The columns the import reads (the sex column is checked separately, by either name).
READ = (
    "NPI", "Entity Type Code", "Provider Organization Name (Legal Business Name)",
    "Provider Last Name (Legal Name)", "Provider First Name", "Provider Middle Name",
    "Provider Name Prefix Text", "Provider Name Suffix Text", "Provider Credential Text",
    "Provider Other Organization Name", "Provider Other Organization Name Type Code",
    "Provider First Line Business Practice Location Address",
    "Provider Second Line Business Practice Location Address",
    "Provider Business Practice Location Address City Name",
    "Provider Business Practice Location Address State Name",
    "Provider Business Practice Location Address Postal Code",
    "Provider Business Practice Location Address Telephone Number",
    "Last Update Date", "NPI Deactivation Date", "NPI Reactivation Date",
    *(c for n in range(1, TAXONOMY_SLOTS + 1) for c in taxonomy_slot(n)),
)
