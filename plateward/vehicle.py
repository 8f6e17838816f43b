"""What a vendor's recognizer says of the vehicle, in one vocabulary for storing and searching.

OpenALPR writes colours as ``silver-gray`` and body types as ``sedan-standard``, Plate
Recognizer ``silver`` and ``Sedan``, Genetec ``Grey``: a search for a silver sedan must find
them all, so the same functions normalise what ingest stores and what a search asks for.
Makes and models are kept as the vendor spelled them, lower-cased with single spaces, since no
list of every make is complete; colours and body types map onto a short list, and a value
outside it is kept as written rather than lost.

The direction of travel is relative to the camera (``approaching``, ``receding``) where the
vendor says which side of the vehicle it saw or which way the plate moved in the picture, or a
compass point (``n`` ... ``nw``) where the vendor gives one.
"""

from __future__ import annotations

import re
from functools import lru_cache

COLORS = {
    "beige": "beige",
    "black": "black",
    "blue": "blue",
    "brown": "brown",
    "gold": "gold",
    "gold-beige": "gold",
    "golden": "gold",
    "green": "green",
    "gray": "gray",
    "grey": "gray",
    "silver-gray": "silver",
    "silver": "silver",
    "orange": "orange",
    "pink": "pink",
    "purple": "purple",
    "violet": "purple",
    "maroon": "red",
    "red": "red",
    "tan": "tan",
    "white": "white",
    "yellow": "yellow",
}

BODY_TYPES = {
    "sedan": "sedan",
    "saloon": "sedan",
    "car": "sedan",
    "coupe": "coupe",
    "convertible": "convertible",
    "hatchback": "hatchback",
    "wagon": "wagon",
    "estate": "wagon",
    "suv": "suv",
    "crossover": "suv",
    "minivan": "van",
    "van": "van",
    "pickup": "pickup",
    "pickup truck": "pickup",
    "truck": "truck",
    "big truck": "truck",
    "tractor-trailer": "truck",
    "bus": "bus",
    "motorcycle": "motorcycle",
    "motorbike": "motorcycle",
}

_COMPASS = ("n", "ne", "e", "se", "s", "sw", "w", "nw")
_COMPASS_WORDS = {
    "north": "n",
    "northeast": "ne",
    "east": "e",
    "southeast": "se",
    "south": "s",
    "southwest": "sw",
    "west": "w",
    "northwest": "nw",
}
_RELATIVE = {
    "approaching": "approaching",
    "towards": "approaching",
    "toward": "approaching",
    "incoming": "approaching",
    "entering": "approaching",
    "front": "approaching",
    "receding": "receding",
    "away": "receding",
    "leaving": "receding",
    "outgoing": "receding",
    "exiting": "receding",
    "rear": "receding",
    "back": "receding",
}
DIRECTIONS = (*_COMPASS, "approaching", "receding")

_SPACES = re.compile(r"[\s_]+")
_UNKNOWN = {"", "unknown", "none", "null", "n/a", "na", "other", "-"}


def _clean(value: object, max_chars: int) -> str | None:
    if not isinstance(value, str):
        return None
    return _cleaned(value, max_chars)


@lru_cache(maxsize=4096)
def _cleaned(value: str, max_chars: int) -> str | None:
    """Vendors repeat a few hundred makes and colours across millions of reads: cached."""
    text = _SPACES.sub(" ", value.strip().lower())
    if text in _UNKNOWN:
        return None
    return text[:max_chars]


def normalise_make(value: object) -> str | None:
    return _clean(value, 32)


def normalise_model(value: object) -> str | None:
    return _clean(value, 48)


def normalise_color(value: object) -> str | None:
    return None if not isinstance(value, str) else _normalise_color(value)


@lru_cache(maxsize=4096)
def _normalise_color(value: str) -> str | None:
    text = _clean(value, 16)
    return None if text is None else COLORS.get(text, text)


def normalise_body_type(value: object) -> str | None:
    return None if not isinstance(value, str) else _normalise_body_type(value)


@lru_cache(maxsize=4096)
def _normalise_body_type(value: str) -> str | None:
    """``sedan-standard`` (OpenALPR), ``Pickup Truck`` (Plate Recognizer): one word each."""
    text = _clean(value, 32)
    if text is None:
        return None
    if text in BODY_TYPES:
        return BODY_TYPES[text]
    head = text.split("-")[0]
    return BODY_TYPES.get(head, text[:16])


def normalise_direction(value: object) -> str | None:
    return None if not isinstance(value, str) else _normalise_direction(value)


@lru_cache(maxsize=4096)
def _normalise_direction(value: str) -> str | None:
    """A compass point or a word relative to the camera; anything else is not a direction."""
    text = _clean(value, 32)
    if text is None:
        return None
    word = text.replace(" ", "").removesuffix("bound")
    if word in _COMPASS:
        return word
    if word in _COMPASS_WORDS:
        return _COMPASS_WORDS[word]
    return _RELATIVE.get(text.split(" ")[0])


def direction_from_image_angle(degrees: float) -> str | None:
    """Which way a plate moved in the picture, as OpenALPR reports it, relative to the camera.

    OpenALPR measures the angle from the top of the picture, clockwise: a plate moving down
    the picture (about 180) is coming towards a camera that faces the traffic, one moving up
    (about 0) is going away. Sideways movement (a camera beside the road) says neither.
    """
    angle = degrees % 360
    if 135 <= angle <= 225:
        return "approaching"
    if angle <= 45 or angle >= 315:
        return "receding"
    return None


def describe_vehicle(
    make: str | None,
    model: str | None,
    color: str | None,
    body_type: str | None,
    direction: str | None,
) -> str | None:
    """The stored attributes as a deputy reads them: "silver toyota camry, sedan, approaching"."""
    name = " ".join(part for part in (color, make, model) if part)
    parts = [part for part in (name, body_type, direction) if part]
    return ", ".join(parts) or None
