"""Numeric value tests decided in Python where the answer is certain, before asking Oxigraph.

The native engine has Oxigraph decide the tests whose answer depends on SPARQL's value
semantics (``sh:datatype xsd:decimal`` casts the lexical form; ``sh:minInclusive`` compares
numbers). Coordinates, measurements and counts make these the most common values a batch
asks about, and nearly all are distinct (no cache helps). For an ``xsd:integer`` or
``xsd:decimal`` literal in a plain form (an optional minus, at most 15 digits before and after
the point, no leading zero) the answer is certain: the form casts, and the number compares
exactly (Oxigraph keeps 18 decimal places). Anything else (a sign, an exponent, another
numeric type, more digits) returns None and goes to Oxigraph as before.
``tests/test_validation_numbers.py`` compares every answer with Oxigraph's on a pool of forms.
"""

from __future__ import annotations

import operator
import re
from decimal import Decimal

from pyoxigraph import Literal

XSD = "http://www.w3.org/2001/XMLSchema#"
_FORMS = {
    XSD + "integer": re.compile(r"-?(?:0|[1-9][0-9]{0,14})"),
    XSD + "decimal": re.compile(r"-?(?:0|[1-9][0-9]{0,14})(?:\.[0-9]{1,15})?"),
}
_STRING = XSD + "string"
_OPERATORS = {">=": operator.ge, "<=": operator.le, ">": operator.gt, "<": operator.lt}


def number(term) -> Decimal | None:
    """The value of an ``xsd:integer`` or ``xsd:decimal`` literal in a plain form; None for anything else."""
    if type(term) is not Literal:
        return None
    form = _FORMS.get(term.datatype.value)
    if form is None or not form.fullmatch(term.value):
        return None
    return Decimal(term.value)


def datatype_rule(datatype: str) -> tuple | None:
    """The quick rule of ``sh:datatype`` (for the datatypes whose plain forms are known here)."""
    return ("datatype", datatype) if datatype in _FORMS else None


def comparison_rule(op: str, limit) -> tuple | None:
    """The quick rule of ``?value <op> limit`` (``limit`` a pyoxigraph term), for a plain numeric limit."""
    bound = number(limit)
    return ("compare", _OPERATORS[op], bound) if bound is not None and op in _OPERATORS else None


def fails(rule: tuple, value) -> bool | None:
    """Whether ``value`` fails the test (as its SPARQL expression decides), or None when not certain here."""
    if rule[0] == "datatype":
        datatype = rule[1]
        if type(value) is not Literal:
            return True  # an IRI or a blank node
        if value.datatype.value == datatype:
            return False if _FORMS[datatype].fullmatch(value.value) else None
        # a string stays a string; other datatypes may be stored as this one (xsd:int as xsd:integer)
        return True if value.language or value.datatype.value == _STRING else None
    found = number(value)
    return None if found is None else not rule[1](found, rule[2])
