"""Rule 1 of drug classification: what the record says in so many words.

Each pattern names a class; on an intervention's own name the most specific phrase
wins (``monoclonal antibody conjugate`` is a conjugate), in a free-text description
the phrase that comes first does (descriptions open with "X is a …" and go on to
mention other things).
"""

from __future__ import annotations

import re

_I = re.IGNORECASE

# radionuclide labels: "177Lu-", "68Ga ", "Ga-68", "18F-", "131I-", "gallium Ga 68", "Lu-PSMA"
_RADIO = (
    r"(?<![A-Za-z0-9])(?:\d{1,3}m?(?:Lu|Ga|Cu|Zr|Tc|In|Ac|Y|Ra|Pb|Sm|Sr|F|I|Re|Ho|Tb)(?![a-z])"
    r"|(?:Lu|Ga|Cu|Zr|Tc|Sn)[- ]?\d{1,3}m?(?![0-9])|(?:In|Ac|Ra|Pb)-\d{1,3}m?(?![0-9])|Ga-PSMA|Lu-PSMA)"
)

# (pattern, class, label); order = specificity for names.
PATTERNS: tuple[tuple[re.Pattern[str], str, str], ...] = (
    (re.compile(_RADIO), "RADIOPHARMACEUTICAL", "radionuclide label"),
    (re.compile(r"radio(?:labell?ed|ligand|pharmaceutical|tracer|conjugate|immunoconjugate)|"
                r"PET (?:tracer|imaging agent)", _I), "RADIOPHARMACEUTICAL", "radiopharmaceutical"),
    (re.compile(r"antibod(?:y|ies)[- ]?drug[- ]?conjugat|\bADCs?\b|antibody conjugate|"
                r"drug[- ]conjugated|immunoconjugate", _I), "ADC", "antibody-drug conjugate"),
    (re.compile(r"\b(?:bi|tri|multi)-?specific|\bT[- ]cell engager|(?-i:\bBiTE\b|\bDART\b|TriTAC)", _I),
     "BISPECIFIC_ANTIBODY", "bispecific"),
    (re.compile(r"fusion protein|immunocytokine|immunotoxin|antibody-cytokine", _I),
     "OTHER_BIOLOGIC", "fusion protein"),
    (re.compile(r"\bU?CAR[- .]?T\b|\bCAR-?T-?cells?|\bCART\b|chimeric antigen receptor|"
                r"\bCAR\b[\w\s-]*\bcells?\b|T[- ]lymphocyte|\bNK[- ]cells?\b|\bTILs?\b|cell therapy|"
                r"gene therapy|\bAAV\d*|adeno-associated|oncolytic|transduced|autologous[\w\s-]*cells",
                _I), "CELL_GENE_THERAPY", "cell/gene therapy"),
    (re.compile(r"vaccin", _I), "VACCINE", "vaccine"),
    (re.compile(r"allergen|pollen|house dust mite", _I), "OTHER_BIOLOGIC", "allergen extract"),
    (re.compile(r"monoclonal antibod|\bmAbs?\b|\bMoAb\b|humani[sz]ed (?:\w+ )?antibod|"
                r"\bIgG\d?\b[\w\s()-]*antibod", _I), "MONOCLONAL_ANTIBODY", "monoclonal antibody"),
    (re.compile(r"\bantibod(?:y|ies)\b", _I), "MONOCLONAL_ANTIBODY", "antibody"),
    (re.compile(r"chemotherap|cytotoxic", _I), "CHEMOTHERAPY", "chemotherapy"),
    (re.compile(r"androgen deprivation|\bADT\b|endocrine therap|hormon(?:al|e) therap|anti-?androgen|"
                r"aromatase inhibitor|corticosteroid|glucocorticoid|\bsteroids?\b|\bGnRH\b|\bLHRH\b", _I),
     "HORMONAL", "hormonal/endocrine therapy"),
    (re.compile(r"small[- ]molecule|(?:tyrosine )?kinase inhibitor|\bTKIs?\b|receptor antagonist|"
                r"\b(?:PI3K|MEK|BRAF|FGFR|PARP|CDK4/6|AKT|mTOR|ATR|WEE1|JAK|BTK|KRAS|SHP2|IDH|HDAC|"
                r"proteasome|CD73|A2A)[\w/-]* (?:inhibitor|antagonist)|(?:beta|β)[- ]?agonist|antihistamin",
                _I),
     "SMALL_MOLECULE", "small-molecule inhibitor"),
)

_PLACEBO = re.compile(r"\bplacebos?\b|\bvehicle\b|\bsham\b|\bdummy\b", _I)
_SALINE = re.compile(r"\bsaline\b", _I)
# Saline is an inert comparator only when isotonic: hyper-/hypotonic saline (3 %, 7 %) is a treatment.
_NOT_ISOTONIC = re.compile(r"\bhyper-?tonic\b|\bhypo-?tonic\b|(?<![\d.])(?!0?\.9\b)\d+(?:\.\d+)?\s*%", _I)
_SPECIFIC_ANTIBODY_FORMS = frozenset({"ADC", "BISPECIFIC_ANTIBODY", "RADIOPHARMACEUTICAL", "OTHER_BIOLOGIC"})
_GENERIC_CLASSES = frozenset({"CHEMOTHERAPY", "HORMONAL", "SMALL_MOLECULE"})


def is_placebo(text: str) -> bool:
    """Whether a name names an inert comparator: a placebo, vehicle, sham or dummy anywhere in it
    ("ACU-D1 Ointment Vehicle", "Sham TMS", "Aspirin placebo, Vitamin D"), or isotonic saline
    ("Normal Saline", "Saline 0.9%"; not "Hypertonic saline 7%", a treatment). The one rule for the
    build (drug mentions) and for linking (placebos are not matched to drug concepts)."""
    if _PLACEBO.search(text):
        return True
    return bool(_SALINE.search(text)) and not _NOT_ISOTONIC.search(text)


def most_specific(text: str) -> tuple[str, str] | None:
    """(class, evidence) for the most specific class phrase in a name, or None."""
    for pattern, cls, _label in PATTERNS:
        match = pattern.search(text)
        if match:
            return cls, f"matched {match.group(0)!r}"
    return None


def earliest(text: str) -> tuple[str, str] | None:
    """(class, evidence) for the class phrase that comes first in a free text, or None."""
    best: tuple[int, int, str, str] | None = None
    for rank, (pattern, cls, _label) in enumerate(PATTERNS):
        match = pattern.search(text)
        if match and (best is None or (match.start(), rank) < best[:2]):
            best = (match.start(), rank, cls, match.group(0))
    if best is None:
        return None
    # "a humanized IgG1 antibody-drug conjugate": the head noun decides, not the first word of the phrase
    end = best[0] + len(best[3])
    for pattern, cls, _label in PATTERNS[: best[1]]:
        match = pattern.search(text, best[0], end + 40)
        if match and cls in _SPECIFIC_ANTIBODY_FORMS and best[2] == "MONOCLONAL_ANTIBODY":
            return cls, f"matched {match.group(0)!r}"
    return best[2], f"matched {best[3]!r}"


def is_generic_class(cls: str) -> bool:
    """Classes a phrase can name without naming a drug ("chemotherapy", "ADT")."""
    return cls in _GENERIC_CLASSES
