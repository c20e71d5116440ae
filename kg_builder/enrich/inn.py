"""WHO INN naming: what a drug's name says about what it is.

Stems after the WHO INN programme's stem book: ``-mab`` antibodies and, from 2022 (WHO INN
Working Document 22-542), ``-tug`` (unmodified immunoglobulins), ``-bart`` (artificial/engineered),
``-mig`` (bi- and multi-specific immunoglobulins) and ``-ment`` (fragments). Before 2022 a
bispecific kept ``-mab``; its name says so only through the source substem ``-axo-`` (rat-mouse
hybrid, the quadroma that makes trifunctional bispecifics: catumaxomab, ertumaxomab), otherwise
the lexicon or the record must. An antibody INN followed by a payload word (``payloads.py``)
names an antibody–drug conjugate; the other second words that follow antibody names
(``pasudotox``, ``tiuxetan``, ``pegol``) are not payloads.
"""

from __future__ import annotations

import re
from functools import lru_cache

from kg_builder.enrich.payloads import Payload, inn_payload
from kg_builder.enrich.text import fold

_ANTIBODY = re.compile(r"^[a-z]{3,}(mab|tug|bart|mig|ment)$")
_IMMUNOTOXIN = re.compile(r"^([a-z]*sudotox|[a-z]*aritox|[a-z]*tox)$")
_RADIO_CHELATOR = re.compile(r"^(tiuxetan|tetraxetan|pendetide|[a-z]*xetan)$")
# English words that end like the 2022 fragment stem.
_MENT_WORDS = frozenset((  # noqa: SIM905
    "treatment supplement management assessment enrollment enrolment ointment placement measurement "
    "equipment environment development document instrument argument segment fragment element moment "
    "replacement improvement adjustment involvement commitment experiment engagement establishment "
    "complement comment implement increment judgment pigment sediment alignment deployment "
    "recruitment refinement reinforcement retirement enhancement impairment attachment amendment "
    "arrangement statement agreement requirement payment investment government achievement "
).split())

# (suffix pattern, class, what the stem means); first match wins, so specific before general.
_STEMS: tuple[tuple[re.Pattern[str], str, str], ...] = tuple(
    (re.compile(pattern + "$"), cls, meaning)
    for pattern, cls, meaning in (
        (r"taxel", "CHEMOTHERAPY", "taxane"),
        (r"platin", "CHEMOTHERAPY", "platinum compound"),
        (r"rubicin", "CHEMOTHERAPY", "anthracycline"),
        (r"(citabine|arabine)", "CHEMOTHERAPY", "nucleoside antimetabolite"),
        (r"(uracil|trexed|trexate)", "CHEMOTHERAPY", "antimetabolite"),
        (r"(mustine|fosfamide|phosphamide|ozolomide)", "CHEMOTHERAPY", "alkylating agent"),
        (r"poside", "CHEMOTHERAPY", "topoisomerase II inhibitor"),
        (r"tecan", "CHEMOTHERAPY", "camptothecin"),
        (r"^vin[a-z]+ine", "CHEMOTHERAPY", "vinca alkaloid"),
        (r"(epilone|eribulin)", "CHEMOTHERAPY", "microtubule inhibitor"),
        (r"lutamide", "HORMONAL", "antiandrogen"),
        (r"trozole", "HORMONAL", "aromatase inhibitor"),
        (r"mestane", "HORMONAL", "aromatase inactivator"),
        (r"(relin|relix)", "HORMONAL", "GnRH analogue"),
        (r"(oxifen|oxifene|ifene)", "HORMONAL", "oestrogen receptor modulator"),
        (r"estrant", "HORMONAL", "oestrogen receptor degrader"),
        (r"terone", "HORMONAL", "steroid hormone / synthesis inhibitor"),
        (r"(nisone|nisolone|methasone|metasone|cortisone|sonide|cinolone)", "HORMONAL", "corticosteroid"),
        (r"reotide", "HORMONAL", "somatostatin analogue"),
        (r"(gestrel|gestrol|gestone)", "HORMONAL", "progestin"),
        (r"(leucel|[a-z]{6,}cel)", "CELL_GENE_THERAPY", "cell therapy"),
        (r"(parvovec|repvec|[a-z]{4,}vec|[a-z]{6,}gene)", "CELL_GENE_THERAPY", "gene therapy vector"),
        (r"(cept|fusp)", "OTHER_BIOLOGIC", "receptor or fusion protein"),
        (r"(leukin|ermin|poetin|grastim|gramostim|kinra)", "OTHER_BIOLOGIC", "recombinant cytokine"),
        (r"(teplase|uricase|sidase|dornase|[a-z]{4,}lipase)", "OTHER_BIOLOGIC", "enzyme"),
        (r"nib", "SMALL_MOLECULE", "kinase inhibitor"),
        (r"(ciclib|parib|lisib|sertib|zomib|degib|clax|stat|adenant|lukast)", "SMALL_MOLECULE",
         "enzyme/receptor inhibitor"),
        (r"(pril|sartan|olol|dipine|prazole|setron|gliptin|gliflozin|vastatin|triptan|oxetine|azepam|"
         r"afil|profen|coxib|semide|thiazide|dronate|caine|quine|bendazole|conazole|floxacin|cillin|"
         r"cycline|[a-z]{3,}vir|glinide|formin|tadine|mastine|olamine|[a-z]{3,}terol|capone)", "SMALL_MOLECULE",
         "small-molecule drug stem"),
    )
)
# Every end-anchored stem pattern matches within the last few letters of a word (stem ≤ 12 letters,
# prefix ≤ 6); searching only the word's tail gives the same answers in linear time.
_STEM_WINDOW = 64
_PROTEIN_SECOND_WORD = re.compile(r"^(alfa|beta|gamma|delta|alpha)$")


@lru_cache(maxsize=65536)
def classify_inn(name: str) -> tuple[str, str] | None:
    """(class, evidence) from the INN stems in ``name``, or None when no stem speaks."""
    tokens = [t for t in re.split(r"[\s/]+", fold(name).replace("-", " ")) if t]
    for index, token in enumerate(tokens):
        if not _is_antibody(token):
            continue
        following = tokens[index + 1] if index + 1 < len(tokens) else ""
        if following and inn_payload(following) is not None:
            return "ADC", f"INN: antibody '{token}' + payload '{following}'"
        if following and _IMMUNOTOXIN.match(following):
            return ("OTHER_BIOLOGIC",
                    f"INN: antibody '{token}' + toxin '{following}' (immunotoxin, not an ADC)")
        if following and _RADIO_CHELATOR.match(following):
            return ("RADIOPHARMACEUTICAL",
                    f"INN: antibody '{token}' + chelator '{following}' (radioconjugate, not an ADC)")
        stem = _ANTIBODY.match(token).group(1)  # type: ignore[union-attr]
        if stem == "mig":
            return "BISPECIFIC_ANTIBODY", f"INN stem -mig (multi-specific antibody): '{token}'"
        if stem == "mab" and token.endswith("axomab"):
            return ("BISPECIFIC_ANTIBODY",
                    f"INN source substem -axo- (rat-mouse hybrid, a trifunctional bispecific): '{token}'")
        note = " (PEGylated, not an ADC)" if following == "pegol" else ""
        return "MONOCLONAL_ANTIBODY", f"INN stem -{stem}{note}: '{token}'"
    for index, token in enumerate(tokens):
        following = tokens[index + 1] if index + 1 < len(tokens) else ""
        last = index + 2 >= len(tokens) or tokens[index + 2] in ("pegol", "1a", "1b", "2a", "2b")
        if len(token) >= 5 and following and _PROTEIN_SECOND_WORD.match(following) and last:
            return "OTHER_BIOLOGIC", f"INN: recombinant protein '{token} {following}'"
    for token in tokens:
        if len(token) < 6 or not token.isalpha():
            continue
        tail = token[-_STEM_WINDOW:]  # stems end the word: "[a-z]{6,}cel$" searched a long word in n² steps
        for pattern, cls, meaning in _STEMS:
            if pattern.search(token if pattern.pattern.startswith("^") else tail):
                return cls, f"INN stem ({meaning}): '{token}'"
    return None


def _is_antibody(token: str) -> bool:
    match = _ANTIBODY.match(token)
    if not match:
        return False
    return not (match.group(1) == "ment" and token in _MENT_WORDS)


def adc_payload(name: str) -> Payload | None:
    """The payload an ADC's INN names in its second word ("trastuzumab deruxtecan"), or None."""
    tokens = [t for t in re.split(r"[\s/]+", fold(name).replace("-", " ")) if t]
    for index, token in enumerate(tokens[:-1]):
        if _is_antibody(token):
            return inn_payload(tokens[index + 1])
    return None
