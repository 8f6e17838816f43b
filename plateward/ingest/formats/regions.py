"""Plate regions as Plateward writes them (``us-ca``, ``ca-on``), from however a vendor names them.

OpenALPR, Plate Recognizer and Verkada already write ``us-ca``; Flock writes the state's name
(``california``, ``new_hampshire``); Genetec exports the plate state as ``CA`` or
``California``. US states, DC, Puerto Rico and the Canadian provinces are recognised by code or
name; anything else is kept as written, lower-cased.
"""

from __future__ import annotations

US = {
    "al": "alabama", "ak": "alaska", "az": "arizona", "ar": "arkansas", "ca": "california",
    "co": "colorado", "ct": "connecticut", "de": "delaware", "dc": "washington dc",
    "fl": "florida", "ga": "georgia", "hi": "hawaii", "id": "idaho", "il": "illinois",
    "in": "indiana", "ia": "iowa", "ks": "kansas", "ky": "kentucky", "la": "louisiana",
    "me": "maine", "md": "maryland", "ma": "massachusetts", "mi": "michigan",
    "mn": "minnesota", "ms": "mississippi", "mo": "missouri", "mt": "montana",
    "ne": "nebraska", "nv": "nevada", "nh": "new hampshire", "nj": "new jersey",
    "nm": "new mexico", "ny": "new york", "nc": "north carolina", "nd": "north dakota",
    "oh": "ohio", "ok": "oklahoma", "or": "oregon", "pa": "pennsylvania", "pr": "puerto rico",
    "ri": "rhode island", "sc": "south carolina", "sd": "south dakota", "tn": "tennessee",
    "tx": "texas", "ut": "utah", "vt": "vermont", "va": "virginia", "wa": "washington",
    "wv": "west virginia", "wi": "wisconsin", "wy": "wyoming",
}  # fmt: skip
CANADA = {
    "ab": "alberta", "bc": "british columbia", "mb": "manitoba", "nb": "new brunswick",
    "nl": "newfoundland and labrador", "ns": "nova scotia", "nt": "northwest territories",
    "nu": "nunavut", "on": "ontario", "pe": "prince edward island", "qc": "quebec",
    "sk": "saskatchewan", "yt": "yukon",
}  # fmt: skip
_BY_NAME = {
    **{name: f"us-{code}" for code, name in US.items()},
    **{name: f"ca-{code}" for code, name in CANADA.items()},
    "district of columbia": "us-dc",
    "washington d c": "us-dc",
}


def region_code(value: str | None) -> str | None:
    if value is None:
        return None
    text = value.strip().lower().replace("_", " ").replace(".", " ")
    text = " ".join(text.split())
    if not text:
        return None
    if text in US:
        return f"us-{text}"
    if text in CANADA:
        return f"ca-{text}"
    if text in _BY_NAME:
        return _BY_NAME[text]
    return text.replace(" ", "-")[:16]
