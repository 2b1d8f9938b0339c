"""Remove personal details from text that is kept for staff."""

from __future__ import annotations

import re

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
_URL = re.compile(r"https?://\S+|www\.\S+")
# phone numbers, IBANs, document and case numbers: any run of 5+ digits with separators
_NUMBER = re.compile(r"\+?\d[\d\s()./-]{3,}\d")
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?:\s?[A-Z0-9]{4}){3,7}\b", re.IGNORECASE)
_HANDLE = re.compile(r"(?<!\w)@\w{3,}")


def scrub(text: str, limit: int = 500) -> str:
    """Replace e-mails, phone and other long numbers, IBANs and @handles; cap the length."""
    text = _EMAIL.sub("[email]", text)
    text = _URL.sub("[link]", text)
    text = _IBAN.sub("[iban]", text)
    text = _HANDLE.sub("[user]", text)
    text = _NUMBER.sub(lambda m: "[number]" if sum(c.isdigit() for c in m.group()) >= 5
                       else m.group(), text)
    text = " ".join(text.split())
    return text[:limit]
