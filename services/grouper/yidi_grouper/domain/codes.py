"""Text and code normalisation shared by the scheme loader, the grouper and QC.

The scheme files were extracted from PDFs: full-width characters, `~~` line-join marks,
stray spaces and dagger/asterisk suffixes (`A01.000x005+J17.0*`) must not change a code's
identity. A code's canonical form is its base code: `A01.000x005`.
"""
from __future__ import annotations

import re
import unicodedata

DIAGNOSIS_CODE = re.compile(r"^[A-Z]\d{2}(?:\.[0-9A-Za-z]{1,8})?(?:\+[A-Z]\d{2}(?:\.[0-9A-Za-z]{1,4})?\*?)?\*?$")
PROCEDURE_CODE = re.compile(r"^\d{2}\.[0-9A-Za-z]{1,9}$")


def clean_text(line: str) -> str:
    """NFKC (full-width to ASCII), drop PDF join marks, collapse whitespace."""
    text = unicodedata.normalize("NFKC", line).replace("~~", "")
    return " ".join(text.split())


def canonical_code(code: str) -> str:
    """Canonical form of a diagnosis or procedure code as written by a hospital or a scheme."""
    text = unicodedata.normalize("NFKC", code).strip().replace(" ", "")
    plus = text.find("+")
    if plus > 0:
        text = text[:plus]
    text = text.rstrip("*")
    if text[:1].isalpha():
        text = text[0].upper() + text[1:]
    return text


def is_code_token(token: str) -> bool:
    return bool(DIAGNOSIS_CODE.match(token) or PROCEDURE_CODE.match(token))


def is_diagnosis_code(token: str) -> bool:
    return bool(DIAGNOSIS_CODE.match(token))
