"""Rule 1 of drug classification: what the record says in so many words.

Each pattern names a class; on an intervention's own name the most specific phrase
wins (``monoclonal antibody conjugate`` is a conjugate), in a free-text description
the phrase that comes first does (descriptions open with "X is a …" and go on to
mention other things).
"""

from __future__ import annotations

import re
from functools import lru_cache

from kg_builder.enrich.text import alternatives

_I = re.IGNORECASE

# radionuclide labels: "177Lu-", "68Ga ", "Ga-68", "18F-", "131I-", "gallium Ga 68", "Lu-PSMA". A mass
# number has two or three digits and stands alone: "IL-7Ra" and "IL-12Ra" are receptors, not radium.
_RADIO = (
    r"(?<![A-Za-z0-9-])(?:\d{2,3}m?(?:Lu|Ga|Cu|Zr|Tc|In|Ac|Y|Ra|Pb|Sm|Sr|F|I|Re|Ho|Tb)(?![a-z])"
    r"|(?:Lu|Ga|Cu|Zr|Tc|Sn)[- ]?\d{1,3}m?(?![0-9])|(?:In|Ac|Ra|Pb)-\d{1,3}m?(?![0-9])|Ga-PSMA|Lu-PSMA)"
)

# two targets crossed: "CD3 x CD20", "PD-1×CTLA-4", "CD3xGPC3" (a bispecific's format name)
# (symbols end in a capital or a digit, so "complex" and "max" are no pairs)
_TARGET_PAIR = r"(?-i:\b[A-Z0-9][A-Za-z0-9-]{0,10}[A-Z0-9]\s?[x×]\s?[A-Z0-9][A-Za-z0-9.-]{0,12})"

# Allergen immunotherapy products: extracts, allergoids, SLIT/SCIT tablets and drops. An "allergy
# vaccine" is one of these, not a vaccine against an infection or a tumour.
_ALLERGEN = re.compile(
    r"allergen|allergoid|pollen|house[- ]dust[- ]mite|\bHDM\b|dermatophagoides|\bSLIT\b|\bSCIT\b|"
    r"sublingual immunotherapy|subcutaneous immunotherapy|allergen immunotherapy|\bAIT\b|"
    r"venom immunotherapy|allerg(?:y|ic) (?:vaccine|immunotherapy)|\b(?:cat|dog) dander|ragweed|"
    r"timothy grass|birch|\bpeanut (?:protein|flour|powder)",
    _I)

# (pattern, class, label); order = specificity for names.
PATTERNS: tuple[tuple[re.Pattern[str], str, str], ...] = (
    (re.compile(_RADIO), "RADIOPHARMACEUTICAL", "radionuclide label"),
    (re.compile(r"radio(?:labell?ed|ligand|pharmaceutical|tracer|conjugate|immunoconjugate)|"
                r"PET (?:tracer|imaging agent)", _I), "RADIOPHARMACEUTICAL", "radiopharmaceutical"),
    (re.compile(r"antibod(?:y|ies)[- ]?drug[- ]?conjugat|\bADCs?\b|antibody conjugate|"
                r"drug[- ]conjugated|immunoconjugate", _I), "ADC", "antibody-drug conjugate"),
    (re.compile(r"\b(?:bi|tri|multi|dual)-?specific|\bT[- ]cell[- ]engag|\bT[- ]cell[- ]redirect|"
                r"(?-i:\bBiTE\b|\bDART\b|TriTAC|\bTCE\b|\bbsAbs?\b|\bBsAbs?\b|DuoBody|CrossMab)|"
                + _TARGET_PAIR + r"[\w\s()-]{0,30}?\b(?:antibod|mAb|IgG|engager|molecule)", _I),
     "BISPECIFIC_ANTIBODY", "bispecific"),
    (re.compile(r"fusion protein|immunocytokine|immunotoxin|antibody-cytokine|"
                r"\b(?:IL|interleukin)-?\d+\s*(?:super-?|receptor )?agonist|recombinant (?:human )?interleukin", _I),
     "OTHER_BIOLOGIC", "fusion protein or cytokine"),
    (re.compile(r"\bU?CAR[- .]?T\b|\bCAR-?T-?cells?|\bCART\b|chimeric antigen receptor|"
                # a construct named by its target or generation with "CAR" joined on: "B7-H3CART",
                # "CD19CAR-CD3zeta", "4SCAR-276", "CAR.B7-H3"; and "CAR+ cells"
                r"(?-i:(?:(?<=\d)|(?<=\dS))CAR(?:-?T\b|-)|\bCAR\.(?=[A-Z0-9]))|"
                r"\bCAR\b\+?[\w\s-]*\bcells?\b|T[- ]lymphocyte|\bNK[- ]cells?\b|\bTILs?\b|cell therapy|"
                r"gene therapy|\bAAV\d*|adeno-associated|oncolytic|transduced|autologous[\w\s-]*cells",
                _I), "CELL_GENE_THERAPY", "cell/gene therapy"),
    (_ALLERGEN, "OTHER_BIOLOGIC", "allergen extract"),
    (re.compile(r"vaccin|\bneoantigen (?:therapy|immunotherapy)|individuali[sz]ed neoantigen", _I),
     "VACCINE", "vaccine"),
    (re.compile(r"monoclonal antibod|\bmAbs?\b|\bMoAb\b|humani[sz]ed (?:\w+ )?antibod|"
                r"\bIgG\d?\b[\w\s()-]*antibod", _I), "MONOCLONAL_ANTIBODY", "monoclonal antibody"),
    (re.compile(r"\bantibod(?:y|ies)\b", _I), "MONOCLONAL_ANTIBODY", "antibody"),
    (re.compile(r"chemotherap|cytotoxic", _I), "CHEMOTHERAPY", "chemotherapy"),
    (re.compile(r"androgen deprivation|\bADT\b|endocrine therap|hormon(?:al|e) therap|anti-?androgen|"
                r"aromatase inhibitor|corticosteroid|glucocorticoid|\bsteroids?\b|\bGnRH\b|\bLHRH\b|"
                r"\bSERDs?\b|selective (?:o)?estrogen receptor (?:degrader|modulator|antagonist)|"
                r"androgen receptor (?:inhibitor|antagonist|degrader|signal(?:l)?ing inhibitor)|\bARPIs?\b|"
                r"(?:inhibitor|antagonist|degrader|degradation|targeting) of (?:the )?(?:androgen|(?:o)?estrogen) "
                r"receptors?|targeting (?:the )?(?:androgen|(?:o)?estrogen) receptors?|"
                r"CYP17(?:A1)? inhibitor", _I),
     "HORMONAL", "hormonal/endocrine therapy"),
    (re.compile(r"small[- ]molecule|(?:tyrosine )?kinase inhibitor|\bTKIs?\b|receptor antagonist|"
                r"\b(?:PI3K|MEK|BRAF|FGFR|PARP|CDK4/6|AKT|mTOR|ATR|WEE1|JAK|BTK|KRAS|SHP2|IDH|HDAC|"
                r"proteasome|CD73|A2A)[\w/-]* (?:inhibitor|antagonist)|(?:beta|β)[- ]?agonist|antihistamin|"
                # taken by mouth: antibodies and cells are not; an oral vaccine or allergen is caught above
                r"\boral(?:ly)?\b[\w\s,()-]{0,40}?\b(?:inhibitor|antagonist|agonist|degrader|modulator|blocker)s?\b|"
                r"\bPROTACs?\b|\b(?:targeted )?protein degrader|\bmolecular glue", _I),
     "SMALL_MOLECULE", "small-molecule inhibitor"),
)

_ANY_CLASS = alternatives([pattern for pattern, _cls, _label in PATTERNS])

_PLACEBO = re.compile(r"\bplacebos?\b|\bvehicle\b|\bsham\b|\bdummy\b", _I)
_SALINE = re.compile(
    r"\bsaline\b|\b(?:sodium chloride|NaCl)\b(?=[^.;]*\b0?\.9\s*%)|(?<=0\.9% )(?:sodium chloride|NaCl)\b", _I)
# Saline is an inert comparator only when isotonic: hyper-/hypotonic saline (3 %, 7 %) is a treatment.
_NOT_ISOTONIC = re.compile(r"\bhyper-?tonic\b|\bhypo-?tonic\b|(?<![\d.])(?!0?\.9\b)\d+(?:\.\d+)?\s*%", _I)
# A description that says the intervention itself is the comparator: "Saline placebo given as the
# vaccine", "Placebo: matching tablets", "Inactive substance …". Its first clause decides, so that
# "Drug X; participants in the other arm receive placebo" stays a description of drug X.
_DESCRIBED_PLACEBO = re.compile(
    r"^\W*(?:(?:an?|the|sterile|matching|identical|normal|inactive|isotonic|0\.9\s*%)\s+)*"
    r"(?:placebos?|saline|vehicle|sham|dummy|sodium chloride|NaCl|inactive substance|"
    r"substance containing no (?:medicine|active))\b(?![-\w])", _I)
_SPECIFIC_ANTIBODY_FORMS = frozenset({"ADC", "BISPECIFIC_ANTIBODY", "RADIOPHARMACEUTICAL", "OTHER_BIOLOGIC"})
_GENERIC_CLASSES = frozenset({"CHEMOTHERAPY", "HORMONAL", "SMALL_MOLECULE"})


# one name is asked about by several readers ("Placebo" by most records): 87.1% hit, unbounded 87.8%
@lru_cache(maxsize=8192)
def is_placebo(text: str) -> bool:
    """Whether a name names an inert comparator: a placebo, vehicle, sham or dummy anywhere in it
    ("ACU-D1 Ointment Vehicle", "Sham TMS", "Aspirin placebo, Vitamin D"), or isotonic saline
    ("Normal Saline", "Saline 0.9%", "Sodium chloride 0.9%"; not "Hypertonic saline 7%", a treatment). The one
    rule for the build (drug mentions) and for linking (placebos are not matched to drug concepts)."""
    if _PLACEBO.search(text):
        return True
    return bool(_SALINE.search(text)) and not _NOT_ISOTONIC.search(text.replace("0.9 %", "0.9%")
                                                                     .replace("0,9", "0.9"))


def describes_placebo(description: str) -> str | None:
    """The words by which a description says its intervention is a placebo or saline, or None."""
    match = _DESCRIBED_PLACEBO.match(description)
    if match is None:
        return None
    first_clause = re.split(r"[.;:]\s|,\s", description, maxsplit=1)[0]
    if re.search(r"\bhyper-?tonic\b|\bhypo-?tonic\b", first_clause, _I):
        return None
    return match.group(0).strip()


@lru_cache(maxsize=16384)  # names and their parts are asked about by several readers: 77.8% hit, unbounded 77.9%
def most_specific(text: str) -> tuple[str, str] | None:
    """(class, evidence) for the most specific class phrase in a name, or None."""
    if _ANY_CLASS.search(text) is None:  # one scan for the many names with no class phrase
        return None
    for pattern, cls, _label in PATTERNS:
        match = pattern.search(text)
        if match:
            return cls, f"matched {match.group(0)!r}"
    return None


def earliest(text: str) -> tuple[str, str] | None:
    """(class, evidence) for the class phrase that comes first in a free text, or None."""
    first = _ANY_CLASS.search(text)  # the earliest phrase of any class; at one position, the earlier row
    if first is None:
        return None
    rank = int(first.lastgroup[1:])
    best = (first.start(), rank, PATTERNS[rank][1], first.group(0))
    # "a humanized IgG1 antibody-drug conjugate": the head noun decides, not the first word of the phrase
    end = best[0] + len(best[3])
    if best[2] == "VACCINE":  # "an allergy vaccine of grass pollen extract" is an allergen extract
        sentence = re.split(r"(?<=[.;])\s", text[best[0]:], maxsplit=1)[0]
        start = text.rfind(".", 0, best[0]) + 1
        allergen = _ALLERGEN.search(text[start:best[0]] + " " + sentence)
        if allergen:
            return "OTHER_BIOLOGIC", f"matched {allergen.group(0)!r} (an allergen 'vaccine' is an allergen extract)"
    # A more specific phrase at the head: an antibody's form, listed before the plain antibody row;
    # or a hormonal or chemotherapy phrase in a small molecule's ("an oral SERD"). Only the rows of
    # those classes can answer, in table order, so only they are searched.
    if best[2] == "MONOCLONAL_ANTIBODY":
        rows = [(pattern, cls) for rank, pattern, cls in _ANTIBODY_FORM_ROWS if rank < best[1]]
    else:
        rows = _SMALL_MOLECULE_FORM_ROWS if best[2] == "SMALL_MOLECULE" else ()
    for pattern, cls in rows:
        match = pattern.search(text, best[0], end + 40)
        if match:
            return cls, f"matched {match.group(0)!r}"
    return best[2], f"matched {best[3]!r}"


# (rank, pattern, class) of the rows that can refine a monoclonal antibody phrase; (pattern, class)
# of those that can refine a small molecule's, in table order (see earliest)
_ANTIBODY_FORM_ROWS = tuple((rank, pattern, cls) for rank, (pattern, cls, _label) in enumerate(PATTERNS)
                            if cls in _SPECIFIC_ANTIBODY_FORMS)
_SMALL_MOLECULE_FORM_ROWS = tuple((pattern, cls) for pattern, cls, _label in PATTERNS
                                  if cls in ("HORMONAL", "CHEMOTHERAPY"))


# Chemical nomenclature in a drug's own name ("squaric acid dibutyl ester", "magnesium sulfate",
# "potassium chloride"): a small molecule; polymers named like acids are not.
_CHEMICAL = re.compile(
    r"\b(?:acids?|esters?|chloride|sulfate|sulphate|bicarbonate|carbonate|phosphate|citrate|gluconate|"
    r"hydroxide|nitrate|bromide|iodide|fluoride|oxide)\b", _I)
_POLYMER = re.compile(r"hyaluron|nucleic|poly|alginic|amino acid sequence|vaccin|antibod|protein|cells?\b|"
                      r"peptide|extract", _I)


def chemical_name(text: str) -> tuple[str, str] | None:
    """(SMALL_MOLECULE, evidence) when a name is a chemical name, else None."""
    match = _CHEMICAL.search(text)
    if match is None or _POLYMER.search(text) or is_placebo(text):
        return None
    return "SMALL_MOLECULE", f"chemical name: {match.group(0)!r}"


def is_generic_class(cls: str) -> bool:
    """Classes a phrase can name without naming a drug ("chemotherapy", "ADT")."""
    return cls in _GENERIC_CLASSES
