"""Synthetic plates: a plate drawn from its parts, then photographed badly.

The real crops Plateward may train on number a few hundred; a plate reader needs to have seen
hundreds of thousands of plates, in every state's colours, with every serial format, symbol,
sticker, frame and bolt, in sun, shadow, glare, rain and infrared at night. So the project
draws them. ``render_plate`` draws one flat plate with its label; ``photograph`` puts it on a
car, tilts it, lights it and degrades it as a roadside camera would, and returns the crop a
detector would cut out. Every random choice comes from the ``numpy.random.Generator`` passed
in, so one seed always draws the same plate.

Labels follow the data sets the model is scored on (OpenALPR's convention): the plate number
only, without separators, symbols, state names, stickers or the small stacked characters
(county or type codes) that stand beside the serial on many US plates.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image as PILImage
from PIL import ImageDraw

from plateward.recognition import formats
from plateward.recognition.interfaces import Image
from plateward.training import fonts
from plateward.training.augment import degrade
from plateward.training.styles import (
    GOVERNMENT_HEADERS,
    RGB,
    SPECIAL_TYPES,
    US_STATES,
    StateStyle,
)

LETTERS = string.ascii_uppercase
DIGITS = string.digits
PLATE_CHARS = DIGITS + LETTERS

US_HEIGHT = 160
"""Pixels of the flat US plate (12 x 6 inches, so twice as wide)."""


@dataclass(frozen=True)
class SyntheticPlate:
    image: Image
    """BGR, uint8: the crop a detector would hand the reader."""
    plate: str
    kind: str
    """us, us-vanity, us-special, eu, br, br-old, ar, ar-old."""


KIND_WEIGHTS: dict[str, float] = {
    "us": 0.55,
    "us-vanity": 0.13,
    "us-special": 0.10,
    "eu": 0.10,
    "br": 0.04,
    "br-old": 0.03,
    "ar": 0.025,
    "ar-old": 0.025,
}


def synthetic_plate(rng: np.random.Generator) -> SyntheticPlate:
    """One synthetic plate of a random kind, photographed and degraded."""
    flat, plate, kind = random_flat_plate(rng)
    return SyntheticPlate(degrade(photograph(flat, rng), rng), plate, kind)


def random_flat_plate(rng: np.random.Generator) -> tuple[Image, str, str]:
    """A flat plate of a kind drawn by ``KIND_WEIGHTS``, its label and its kind."""
    kinds = list(KIND_WEIGHTS)
    weights = np.array([KIND_WEIGHTS[k] for k in kinds])
    kind = kinds[int(rng.choice(len(kinds), p=weights / weights.sum()))]
    flat, plate = render_plate(kind, rng)
    return flat, plate, kind


def render_plate(kind: str, rng: np.random.Generator) -> tuple[Image, str]:
    """A flat, frontal plate of ``kind`` (BGR) and its label."""
    if kind.startswith("us"):
        return _render_us(kind, rng)
    if kind == "eu":
        return _render_eu(rng)
    return _render_south_america(kind, rng)


# --- serials ------------------------------------------------------------------------------


def fill_layout(layout: str, rng: np.random.Generator) -> str:
    """A random plate for a layout such as "9LLL999"."""
    return "".join(
        DIGITS[int(rng.integers(10))] if slot == formats.DIGIT_SLOT else _letter(rng)
        for slot in layout
    )


def _letter(rng: np.random.Generator) -> str:
    # Many series skip I, O and Q; readers still must know them (vanity plates use them).
    if rng.random() < 0.5:
        return "ABCDEFGHJKLMNPRSTUVWXYZ"[int(rng.integers(23))]
    return LETTERS[int(rng.integers(26))]


def _vanity(rng: np.random.Generator) -> str:
    length = int(rng.choice([2, 3, 4, 5, 5, 6, 6, 7, 7, 7, 8]))
    letter_share = rng.uniform(0.4, 1.0)
    return "".join(
        _letter(rng) if rng.random() < letter_share else DIGITS[int(rng.integers(10))]
        for _ in range(length)
    )


def _split_groups(plate: str, rng: np.random.Generator) -> list[str]:
    """Where the plate prints a gap: at a letter/digit boundary near the middle, or none."""
    if len(plate) <= 3 or rng.random() < 0.2:
        return [plate]
    cuts = [i for i in range(2, len(plate) - 1) if plate[i].isdigit() != plate[i - 1].isdigit()]
    if not cuts or rng.random() < 0.3:
        cuts = [len(plate) // 2 + int(rng.integers(-1, 2))]
    cut = min(cuts, key=lambda i: abs(i - len(plate) / 2))
    cut = min(max(cut, 1), len(plate) - 1)
    return [plate[:cut], plate[cut:]]


# --- drawing helpers ----------------------------------------------------------------------


def _text_mask(text: str, font_path: Path, size: int = 48) -> np.ndarray:
    """A tight uint8 mask of ``text`` drawn ``size`` px high, for scaling to any box."""
    font = fonts.load(font_path, size)
    left, top, right, bottom = font.getbbox(text)
    canvas = PILImage.new("L", (int(right - left) + 4, int(bottom - top) + 4), 0)
    ImageDraw.Draw(canvas).text((2 - left, 2 - top), text, font=font, fill=255)
    mask = np.asarray(canvas)
    rows = np.flatnonzero(mask.max(axis=1) > 40)
    cols = np.flatnonzero(mask.max(axis=0) > 40)
    if len(rows) == 0:
        return np.zeros((8, 8), np.uint8)
    return mask[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]


def _paste(
    canvas: np.ndarray,
    mask: np.ndarray,
    box: tuple[int, int, int, int],
    color: RGB,
    emboss: float = 0.0,
) -> None:
    """Colour ``canvas`` (RGB float) by ``mask`` scaled into box (x, y, w, h)."""
    x, y, w, h = box
    if w < 2 or h < 2:
        return
    m = cv2.resize(mask, (w, h), interpolation=cv2.INTER_AREA).astype(np.float32) / 255.0
    H, W = canvas.shape[:2]
    x0, y0, x1, y1 = max(x, 0), max(y, 0), min(x + w, W), min(y + h, H)
    if x1 <= x0 or y1 <= y0:
        return
    m = m[y0 - y : y1 - y, x0 - x : x1 - x, None]
    region = canvas[y0:y1, x0:x1]
    if emboss > 0:
        shifted = np.zeros_like(m)
        shifted[2:, 2:] = m[:-2, :-2]
        region[:] = region * (1 - emboss * shifted) + 0.0
    region[:] = region * (1 - m) + np.array(color, np.float32) * m


def _jitter(color: RGB, rng: np.random.Generator, amount: int = 25) -> RGB:
    c = np.clip(np.array(color) + rng.integers(-amount, amount + 1, 3), 0, 255)
    return (int(c[0]), int(c[1]), int(c[2]))


def _random_color(rng: np.random.Generator) -> RGB:
    c = rng.integers(0, 256, 3)
    return (int(c[0]), int(c[1]), int(c[2]))


def _luma(color: RGB) -> float:
    return 0.299 * color[0] + 0.587 * color[1] + 0.114 * color[2]


def _background(w: int, h: int, colors: tuple[RGB, ...], rng: np.random.Generator) -> np.ndarray:
    canvas = np.zeros((h, w, 3), np.float32)
    if len(colors) == 1:
        canvas[:] = colors[0]
    else:
        t = np.linspace(0, 1, h, dtype=np.float32)[:, None, None]
        if rng.random() < 0.5:
            t = t**2
        canvas[:] = np.array(colors[0], np.float32) * (1 - t) + np.array(colors[1], np.float32) * t
    return canvas


def _scenery(canvas: np.ndarray, rng: np.random.Generator, strength: float) -> None:
    """Faint pictures behind the serial: mountains, a sun, waves, a state outline."""
    h, w = canvas.shape[:2]
    layer = canvas.copy()
    for _ in range(int(rng.integers(1, 5))):
        color = _random_color(rng)
        shape = rng.integers(4)
        if shape == 0:
            pts = [(0, h)]
            for x in np.linspace(0, w, int(rng.integers(3, 8))):
                pts.append((int(x), int(rng.uniform(0.3, 0.95) * h)))
            pts.append((w, h))
            cv2.fillPoly(layer, [np.array(pts, np.int32)], color)
        elif shape == 1:
            center = (int(rng.uniform(0, w)), int(rng.uniform(0, h)))
            cv2.circle(layer, center, int(rng.uniform(0.05, 0.3) * h), color, -1)
        elif shape == 2:
            y0 = rng.uniform(0.4, 1.0) * h
            xs = np.arange(0, w, 4)
            ys = y0 + rng.uniform(3, 10) * np.sin(xs / rng.uniform(8, 30))
            cv2.polylines(
                layer,
                [np.stack([xs, ys], 1).astype(np.int32)],
                False,
                color,
                int(rng.integers(2, 8)),
            )
        else:
            n = int(rng.integers(5, 10))
            middle = np.array([rng.uniform(0, w), rng.uniform(0, h)])
            angles = np.sort(rng.uniform(0, 2 * np.pi, n))
            radii = rng.uniform(0.1, 0.4, n) * h
            blob = middle + np.stack([np.cos(angles) * radii, np.sin(angles) * radii], 1)
            cv2.fillPoly(layer, [blob.astype(np.int32)], color)
    canvas[:] = canvas * (1 - strength) + layer * strength


def _symbol(kind: int, size: int, color: RGB) -> np.ndarray:
    """A symbol that plates print between or beside characters (as an RGBA-like mask)."""
    mask = np.zeros((size, size), np.uint8)
    c = size // 2
    if kind == 0:  # star
        star: list[tuple[float, float]] = []
        for i in range(10):
            r = c * (0.95 if i % 2 == 0 else 0.4)
            a = -np.pi / 2 + i * np.pi / 5
            star.append((c + r * np.cos(a), c + r * np.sin(a)))
        cv2.fillPoly(mask, [np.array(star, np.int32)], (255,))
    elif kind == 1:  # heart
        r = size // 4
        cv2.circle(mask, (c - r + 1, c - r // 2), r, (255,), -1)
        cv2.circle(mask, (c + r - 1, c - r // 2), r, (255,), -1)
        heart = np.array([(c - 2 * r + 1, c - r // 3), (c + 2 * r - 1, c - r // 3), (c, size - 2)])
        cv2.fillPoly(mask, [heart.astype(np.int32)], (255,))
    elif kind == 2:  # wheelchair
        t = max(size // 12, 2)
        cv2.circle(mask, (int(c * 0.9), int(size * 0.15)), max(size // 10, 2), (255,), -1)
        cv2.ellipse(
            mask, (int(c * 0.9), int(size * 0.68)), (size // 3, size // 3), 0, 30, 300, (255,), t
        )
        cv2.line(mask, (int(c * 0.9), int(size * 0.3)), (int(c * 0.95), int(size * 0.6)), (255,), t)
        cv2.line(
            mask, (int(c * 0.95), int(size * 0.6)), (int(size * 0.75), int(size * 0.6)), (255,), t
        )
        cv2.line(
            mask,
            (int(size * 0.75), int(size * 0.6)),
            (int(size * 0.88), int(size * 0.9)),
            (255,),
            t,
        )
    elif kind == 3:  # a fruit or seal: a filled disc with a leaf
        cv2.circle(mask, (c, c + size // 10), int(size * 0.38), (255,), -1)
        cv2.ellipse(
            mask, (c + size // 8, size // 6), (size // 6, size // 12), -30, 0, 360, (255,), -1
        )
    elif kind == 4:  # a state outline: a rough polygon
        outline = np.array([(0.1, 0.2), (0.8, 0.1), (0.9, 0.5), (0.7, 0.9), (0.2, 0.8)]) * size
        cv2.fillPoly(mask, [outline.astype(np.int32)], (255,))
    else:  # dot or dash
        cv2.circle(mask, (c, c), max(size // 8, 2), (255,), -1)
    return mask


# --- US plates ----------------------------------------------------------------------------


def _us_serial(kind: str, rng: np.random.Generator) -> tuple[str, str | None, StateStyle]:
    codes = sorted(US_STATES)
    weights = np.array([formats.US_STATE_VEHICLES_M.get(c, 1.0) ** 0.5 for c in codes])
    code = codes[int(rng.choice(len(codes), p=weights / weights.sum()))]
    style = US_STATES[code]
    if kind == "us-vanity":
        return _vanity(rng), None, style
    if kind == "us-special":
        layout = str(
            rng.choice(
                [
                    "9999999",
                    "LL99999",
                    "99999L",
                    "L999999",
                    "999999",
                    "9LL999",
                    "L99999",
                    "99999",
                    "LLL999",
                    "9L999L",
                ]
            )
        )
        footer = str(rng.choice(SPECIAL_TYPES + GOVERNMENT_HEADERS))
        return fill_layout(layout, rng), footer, style
    layouts = formats.US_STATE_FORMATS[code]
    return (
        fill_layout(layouts[min(int(rng.geometric(0.6)) - 1, len(layouts) - 1)], rng),
        None,
        style,
    )


def _render_us(kind: str, rng: np.random.Generator) -> tuple[Image, str]:
    plate, footer, style = _us_serial(kind, rng)
    h = US_HEIGHT
    w = int(h * rng.uniform(1.9, 2.1))
    if rng.random() < 0.25:  # a random-colour plate: specialty series, other states' designs
        bg: tuple[RGB, ...] = (
            (_random_color(rng),)
            if rng.random() < 0.5
            else (_random_color(rng), _random_color(rng))
        )
        fg = (20, 20, 20) if _luma(bg[0]) > 110 else (240, 240, 240)
        fg = (
            _jitter(fg, rng, 20)
            if rng.random() < 0.5
            else (_random_color(rng) if rng.random() < 0.3 else fg)
        )
        header = _random_color(rng)
    else:
        bg = tuple(_jitter(c, rng, 12) for c in style.background)
        fg, header = _jitter(style.text, rng, 20), _jitter(style.header, rng, 20)
    if abs(_luma(fg) - _luma(bg[0])) < 60:
        fg = (20, 20, 25) if _luma(bg[0]) > 128 else (240, 240, 240)
    canvas = _background(w, h, bg, rng)
    if rng.random() < 0.7:
        _scenery(canvas, rng, float(rng.uniform(0.1, 0.5)))
    header_fonts = fonts.header_fonts()

    # state name, slogan or special-type words
    top_text = style.name if rng.random() < 0.9 else str(rng.choice(GOVERNMENT_HEADERS))
    top_h = int(h * rng.uniform(0.12, 0.22))
    if rng.random() < 0.95:
        mask = _text_mask(top_text, header_fonts[int(rng.integers(len(header_fonts)))])
        tw = min(int(top_h * mask.shape[1] / max(mask.shape[0], 1)), int(w * 0.85))
        _paste(
            canvas,
            mask,
            (
                (w - tw) // 2 + int(rng.integers(-10, 11)),
                int(h * rng.uniform(0.03, 0.08)),
                tw,
                top_h,
            ),
            header,
        )
    bottom_text = footer or style.slogan
    if bottom_text and rng.random() < 0.85:
        bh = int(h * rng.uniform(0.08, 0.14))
        mask = _text_mask(bottom_text, header_fonts[int(rng.integers(len(header_fonts)))])
        bw = min(int(bh * mask.shape[1] / max(mask.shape[0], 1)), int(w * 0.8))
        _paste(
            canvas,
            mask,
            ((w - bw) // 2, int(h * rng.uniform(0.8, 0.87)), bw, bh),
            header if rng.random() < 0.6 else fg,
        )

    # the serial, in groups with a gap, separator or symbol between
    char_h = int(h * rng.uniform(0.42, 0.55))
    top = int(h * 0.5 - char_h / 2 + rng.uniform(-0.04, 0.06) * h)
    font = fonts.serial_fonts()[int(rng.integers(len(fonts.serial_fonts())))]
    squeeze = rng.uniform(0.75, 1.25)
    groups = _split_groups(plate, rng)
    masks = [_text_mask(g, font, 96) for g in groups]
    widths = [int(char_h * m.shape[1] / max(m.shape[0], 1) * squeeze) for m in masks]
    gap_kind = int(rng.integers(7))
    gap = int(char_h * rng.uniform(0.25, 0.7)) if len(groups) > 1 else 0
    stacked = rng.random() < 0.15
    stack_w = int(char_h * 0.45) if stacked else 0
    available = w * rng.uniform(0.72, 0.92) - stack_w
    total = sum(widths) + gap
    if total > available:
        scale = available / total
        widths = [int(x * scale) for x in widths]
        gap = int(gap * scale)
        total = sum(widths) + gap
    x = int((w - total - stack_w) / 2 + rng.uniform(-0.03, 0.03) * w)
    emboss = float(rng.uniform(0.0, 0.4)) if rng.random() < 0.5 else 0.0
    stack_left = rng.random() < 0.5
    if stacked and stack_left:
        _stacked(canvas, x, top, stack_w, char_h, fg, rng)
        x += stack_w + int(char_h * 0.08)
    for i, (mask, width) in enumerate(zip(masks, widths, strict=True)):
        _paste(canvas, mask, (x, top, width, char_h), fg, emboss)
        x += width
        if i == 0 and len(groups) > 1:
            if gap_kind <= 1:
                pass  # a plain space
            elif gap_kind == 2:
                dash = (x + gap // 4, top + char_h // 2 - char_h // 14, gap // 2, char_h // 7)
                cv2.rectangle(canvas, dash[:2], (dash[0] + dash[2], dash[1] + dash[3]), fg, -1)
            else:
                size = max(min(gap, int(char_h * rng.uniform(0.5, 0.9))), 4)
                kind_ = int(rng.integers(6))
                color = fg if rng.random() < 0.5 else _random_color(rng)
                sym = _symbol(kind_, size, color)
                _paste(
                    canvas,
                    sym,
                    (x + (gap - size) // 2, top + (char_h - size) // 2, size, size),
                    color,
                )
            x += gap
    if stacked and not stack_left:
        _stacked(canvas, x + int(char_h * 0.08), top, stack_w, char_h, fg, rng)
    if rng.random() < 0.08:  # a symbol beside the serial (disabled, veteran plates)
        size = int(char_h * 0.7)
        side = int(w * 0.04) if rng.random() < 0.5 else w - int(w * 0.04) - size
        _paste(
            canvas,
            _symbol(int(rng.integers(5)), size, fg),
            (side, top + char_h // 6, size, size),
            fg,
        )
    _stickers(canvas, rng)
    _bolts(canvas, rng)
    if rng.random() < 0.35:
        _frame(canvas, rng)
    return cv2.cvtColor(np.clip(canvas, 0, 255).astype(np.uint8), cv2.COLOR_RGB2BGR), plate


def _stacked(
    canvas: np.ndarray, x: int, top: int, w: int, h: int, color: RGB, rng: np.random.Generator
) -> None:
    """Two small characters one above the other: a county or type code, not in the label."""
    font = fonts.serial_fonts()[int(rng.integers(len(fonts.serial_fonts())))]
    for i in range(2):
        mask = _text_mask(PLATE_CHARS[int(rng.integers(len(PLATE_CHARS)))], font)
        _paste(canvas, mask, (x, top + i * (h // 2) + 1, w, h // 2 - 2), color)


def _stickers(canvas: np.ndarray, rng: np.random.Generator) -> None:
    h, w = canvas.shape[:2]
    for _ in range(int(rng.choice([0, 1, 1, 2, 2]))):
        sw, sh = int(w * rng.uniform(0.08, 0.14)), int(h * rng.uniform(0.1, 0.17))
        corner_x = (
            int(w * rng.uniform(0.02, 0.06))
            if rng.random() < 0.5
            else w - sw - int(w * rng.uniform(0.02, 0.06))
        )
        corner_y = (
            int(h * rng.uniform(0.03, 0.1))
            if rng.random() < 0.5
            else h - sh - int(h * rng.uniform(0.03, 0.1))
        )
        color = _random_color(rng)
        cv2.rectangle(canvas, (corner_x, corner_y), (corner_x + sw, corner_y + sh), color, -1)
        ink = (0, 0, 0) if _luma(color) > 120 else (255, 255, 255)
        label = str(
            rng.choice(
                [
                    "JAN",
                    "FEB",
                    "MAR",
                    "APR",
                    "MAY",
                    "JUN",
                    "JUL",
                    "AUG",
                    "SEP",
                    "OCT",
                    "NOV",
                    "DEC",
                    "24",
                    "25",
                    "26",
                    "27",
                    "12",
                    "08",
                ]
            )
        )
        mask = _text_mask(label, fonts.serial_fonts()[0])
        _paste(canvas, mask, (corner_x + 2, corner_y + 2, sw - 4, sh - 4), ink)


def _bolts(canvas: np.ndarray, rng: np.random.Generator) -> None:
    if rng.random() < 0.3:
        return
    h, w = canvas.shape[:2]
    r = int(h * rng.uniform(0.025, 0.05))
    shade = int(rng.integers(60, 220))
    xs = (int(w * rng.uniform(0.15, 0.25)), int(w * rng.uniform(0.75, 0.85)))
    ys = (
        (int(h * rng.uniform(0.08, 0.16)),)
        if rng.random() < 0.6
        else (int(h * rng.uniform(0.08, 0.16)), int(h * rng.uniform(0.84, 0.92)))
    )
    for y in ys:
        for x in xs:
            cv2.circle(canvas, (x, y), r, (shade, shade, shade), -1)
            cv2.circle(
                canvas, (x - r // 3, y - r // 3), max(r // 3, 1), (min(shade + 60, 255),) * 3, -1
            )


def _frame(canvas: np.ndarray, rng: np.random.Generator) -> None:
    """A dealer or chrome frame: a border that hides the edges, often with words on a band."""
    h, w = canvas.shape[:2]
    color = (int(rng.integers(0, 60)),) * 3 if rng.random() < 0.6 else _random_color(rng)
    t = int(h * rng.uniform(0.03, 0.07))
    cv2.rectangle(canvas, (0, 0), (w - 1, h - 1), color, t * 2)
    if rng.random() < 0.6:
        band = int(h * rng.uniform(0.1, 0.2))
        y0 = h - band if rng.random() < 0.7 else 0
        cv2.rectangle(canvas, (0, y0), (w, y0 + band), color, -1)
        words = str(
            rng.choice(
                [
                    "HONDA OF SACRAMENTO",
                    "FORD",
                    "TOYOTA CENTER",
                    "AUTO SALES",
                    "GO BLUE",
                    "MOTORS",
                    "I'D RATHER BE FISHING",
                ]
            )
        )
        mask = _text_mask(words, fonts.header_fonts()[int(rng.integers(len(fonts.header_fonts())))])
        tw = min(int(band * 0.7 * mask.shape[1] / max(mask.shape[0], 1)), int(w * 0.8))
        _paste(
            canvas,
            mask,
            ((w - tw) // 2, y0 + int(band * 0.15), tw, int(band * 0.7)),
            (230, 230, 230) if _luma(color) < 128 else (20, 20, 20),
        )


# --- European and South American plates ---------------------------------------------------


def _render_eu(rng: np.random.Generator) -> tuple[Image, str]:
    country = str(rng.choice(sorted(formats.EU_COUNTRY_FORMATS)))
    layouts = formats.EU_COUNTRY_FORMATS[country]
    plate = fill_layout(layouts[int(rng.integers(len(layouts)))], rng)
    h = 100
    w = int(h * rng.uniform(4.0, 4.8))
    yellow = country in ("uk", "nl") and rng.random() < 0.5
    canvas = _background(w, h, ((245, 200, 30) if yellow else (240, 240, 238),), rng)
    strip = int(w * 0.085)
    cv2.rectangle(canvas, (0, 0), (strip, h), (20, 50, 160), -1)
    for i in range(12):
        a = i * np.pi / 6
        cv2.circle(
            canvas,
            (int(strip / 2 + strip * 0.28 * np.cos(a)), int(h * 0.3 + strip * 0.28 * np.sin(a))),
            2,
            (240, 210, 0),
            -1,
        )
    code_mask = _text_mask(country.upper()[:2], fonts.serial_fonts()[0])
    _paste(
        canvas,
        code_mask,
        (int(strip * 0.15), int(h * 0.6), int(strip * 0.7), int(h * 0.3)),
        (245, 245, 245),
    )
    font = fonts.serial_fonts()[int(rng.integers(len(fonts.serial_fonts())))]
    groups = _split_groups(plate, rng)
    text = " ".join(groups) if rng.random() < 0.6 else "-".join(groups)
    mask = _text_mask(text, font)
    char_h = int(h * rng.uniform(0.6, 0.75))
    tw = min(
        int(char_h * mask.shape[1] / mask.shape[0] * rng.uniform(0.8, 1.1)), int((w - strip) * 0.92)
    )
    _paste(
        canvas, mask, (strip + (w - strip - tw) // 2, (h - char_h) // 2, tw, char_h), (20, 20, 20)
    )
    cv2.rectangle(canvas, (0, 0), (w - 1, h - 1), (20, 20, 20), 2)
    if rng.random() < 0.3:
        _frame(canvas, rng)
    return cv2.cvtColor(np.clip(canvas, 0, 255).astype(np.uint8), cv2.COLOR_RGB2BGR), plate


def _render_south_america(kind: str, rng: np.random.Generator) -> tuple[Image, str]:
    country = kind.split("-")[0]
    old = kind.endswith("old")
    if country == "br":
        layout = "LLL9999" if old else "LLL9L99"
    else:
        layout = "LLL999" if old else "LL999LL"
    plate = fill_layout(layout, rng)
    h = 120
    w = int(h * rng.uniform(2.6, 3.2))
    if old and country == "ar":
        bg, fg = (20, 20, 20), (235, 235, 235)
    elif old:
        bg, fg = (170, 170, 170), (20, 20, 20)
    else:
        bg, fg = (240, 240, 240), (20, 20, 20)
    canvas = _background(w, h, (_jitter(bg, rng, 10),), rng)
    band = 0
    if not old:
        band = int(h * 0.24)
        cv2.rectangle(canvas, (0, 0), (w, band), (30, 60, 160), -1)
        words = "BRASIL" if country == "br" else "REPUBLICA ARGENTINA"
        mask = _text_mask(words, fonts.header_fonts()[int(rng.integers(len(fonts.header_fonts())))])
        tw = min(int(band * 0.7 * mask.shape[1] / mask.shape[0]), int(w * 0.7))
        _paste(
            canvas, mask, ((w - tw) // 2, int(band * 0.15), tw, int(band * 0.7)), (245, 245, 245)
        )
    elif rng.random() < 0.7:
        city = str(
            rng.choice(
                [
                    "SAO PAULO",
                    "RIO DE JANEIRO",
                    "CURITIBA",
                    "BELO HORIZONTE",
                    "PORTO ALEGRE",
                    "CAMPINAS",
                ]
            )
        )
        band = int(h * 0.2)
        mask = _text_mask(city, fonts.header_fonts()[int(rng.integers(len(fonts.header_fonts())))])
        tw = min(int(band * 0.8 * mask.shape[1] / mask.shape[0]), int(w * 0.7))
        _paste(canvas, mask, ((w - tw) // 2, int(band * 0.1), tw, int(band * 0.8)), fg)
    font = fonts.serial_fonts()[int(rng.integers(len(fonts.serial_fonts())))]
    groups = [plate[:3], plate[3:]] if old else [plate]
    text = ("-" if country == "br" else " ").join(groups)
    mask = _text_mask(text, font)
    char_h = int((h - band) * rng.uniform(0.6, 0.75))
    tw = min(int(char_h * mask.shape[1] / mask.shape[0] * rng.uniform(0.8, 1.1)), int(w * 0.9))
    _paste(canvas, mask, ((w - tw) // 2, band + (h - band - char_h) // 2, tw, char_h), fg)
    cv2.rectangle(canvas, (0, 0), (w - 1, h - 1), (20, 20, 20), 3)
    return cv2.cvtColor(np.clip(canvas, 0, 255).astype(np.uint8), cv2.COLOR_RGB2BGR), plate


# --- the camera ---------------------------------------------------------------------------


def photograph(flat: Image, rng: np.random.Generator) -> Image:
    """The flat plate on a car, seen at an angle, cut out as a detector's box would be.

    The crop is loose or tight, sometimes clipping an edge of the plate (never a character),
    at a resolution between a distant plate's 40 px and a close one's 300 px.
    """
    ph, pw = flat.shape[:2]
    pad = int(0.6 * ph)
    body = np.empty((ph + 2 * pad, pw + 2 * pad, 3), np.uint8)
    body[:] = rng.integers(0, 256, 3)
    if rng.random() < 0.5:  # bumper, grille bars
        for _ in range(int(rng.integers(1, 6))):
            y = int(rng.integers(0, body.shape[0]))
            cv2.rectangle(
                body,
                (0, y),
                (body.shape[1], y + int(rng.integers(3, 20))),
                tuple(int(c) for c in rng.integers(0, 256, 3)),
                -1,
            )
    body[pad : pad + ph, pad : pad + pw] = flat
    # perspective: move each corner of the plate a little
    src = np.array([[pad, pad], [pad + pw, pad], [pad + pw, pad + ph], [pad, pad + ph]], np.float32)
    shear = rng.uniform(-0.15, 0.15) * ph
    dst = src + rng.normal(0, 0.04, (4, 2)).astype(np.float32) * np.array([pw, ph], np.float32)
    dst[:, 0] += np.array([shear, shear, -shear, -shear], np.float32) * (rng.random() < 0.3)
    angle = np.deg2rad(rng.normal(0, 3))
    center = src.mean(axis=0)
    rot = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]], np.float32)
    dst = (dst - center) @ rot.T + center
    matrix = cv2.getPerspectiveTransform(src, dst.astype(np.float32))
    warped = cv2.warpPerspective(
        body,
        matrix,
        (body.shape[1], body.shape[0]),
        flags=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_REPLICATE,
    )
    x0, y0 = dst.min(axis=0)
    x1, y1 = dst.max(axis=0)
    bw, bh = x1 - x0, y1 - y0
    m = rng.uniform(-0.02, 0.12, 4) * np.array([bw, bh, bw, bh])
    if rng.random() < 0.15:  # a box that clips the plate's frame
        m = rng.uniform(-0.05, 0.02, 4) * np.array([bw, bh, bw, bh])
    cx0, cy0 = int(max(x0 - m[0], 0)), int(max(y0 - m[1], 0))
    cx1, cy1 = int(min(x1 + m[2], warped.shape[1])), int(min(y1 + m[3], warped.shape[0]))
    crop = warped[cy0:cy1, cx0:cx1]
    width = int(np.clip(rng.lognormal(np.log(120), 0.5), 40, 320))
    height = max(int(width * crop.shape[0] / max(crop.shape[1], 1)), 12)
    return np.asarray(cv2.resize(crop, (width, height), interpolation=cv2.INTER_AREA), np.uint8)
