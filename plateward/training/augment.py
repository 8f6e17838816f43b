"""What a roadside camera does to a plate: light, blur, glare, shadow, dirt, night IR, JPEG.

Applied to every synthetic plate and, more gently, to the real crops, so the reader learns the
characters rather than the look of a few hundred photographs. Every choice comes from the
generator passed in.
"""

from __future__ import annotations

import cv2
import numpy as np

from plateward.recognition.interfaces import Image


def degrade(image: Image, rng: np.random.Generator, strength: float = 1.0) -> Image:
    """``image`` (BGR uint8) as a camera might have seen it; ``strength`` 0..1 scales how often."""
    img = image.astype(np.float32)

    def maybe(p: float) -> bool:
        return bool(rng.random() < p * strength)

    if maybe(0.35):
        img = _shadow(img, rng)
    if maybe(0.2):
        img = _glare(img, rng)
    if maybe(0.25):
        img = _dirt(img, rng)
    # exposure and white balance
    if maybe(0.8):
        gain = rng.uniform(0.5, 1.4)
        bias = rng.uniform(-40, 40)
        img = img * gain + bias
        img = img * rng.uniform(0.85, 1.15, 3).astype(np.float32)
    img = np.clip(img, 0, 255)
    if maybe(0.3):
        gamma = rng.uniform(0.5, 1.8)
        img = 255.0 * (img / 255.0) ** gamma
    if maybe(0.12):
        img = _infrared(img, rng)
    out = img.astype(np.uint8)
    if maybe(0.3):
        out = _low_resolution(out, rng)
    if maybe(0.35):
        out = _blur(out, rng)
    if maybe(0.3):
        noise = rng.normal(0, rng.uniform(2, 12), out.shape).astype(np.float32)
        out = np.clip(out.astype(np.float32) + noise, 0, 255).astype(np.uint8)
    if maybe(0.6):
        quality = int(rng.integers(12, 90))
        ok, buf = cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, quality])
        if ok:
            out = np.asarray(cv2.imdecode(buf, cv2.IMREAD_COLOR), np.uint8)
    return out


def _shadow(img: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A hard shadow edge (a bumper, a tree, the car's own body) across part of the plate."""
    h, w = img.shape[:2]
    mask = np.zeros((h, w), np.float32)
    pts = np.array(
        [
            (rng.uniform(-0.2, 1.2) * w, 0),
            (rng.uniform(-0.2, 1.2) * w, 0),
            (rng.uniform(-0.2, 1.2) * w, h),
            (rng.uniform(-0.2, 1.2) * w, h),
        ]
    )
    pts[[0, 1]] = pts[[0, 1]][np.argsort(pts[[0, 1], 0])]
    pts[[2, 3]] = pts[[2, 3]][np.argsort(-pts[[2, 3], 0])]
    if rng.random() < 0.5:  # a horizontal shadow from above
        y = rng.uniform(0.1, 0.7) * h
        pts = np.array([(0, 0), (w, 0), (w, y + rng.uniform(-0.2, 0.2) * h), (0, y)])
    cv2.fillPoly(mask, [pts.astype(np.int32)], (1.0,))
    k = int(rng.integers(0, 4)) * 2 + 1
    mask = np.asarray(cv2.GaussianBlur(mask, (k, k), 0), np.float32)
    darkness = rng.uniform(0.3, 0.75)
    shaded: np.ndarray = img * (1 - darkness * mask[..., None])
    return shaded


def _glare(img: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    h, w = img.shape[:2]
    mask = np.zeros((h, w), np.float32)
    center = (int(rng.uniform(0, w)), int(rng.uniform(0, h)))
    axes = (int(rng.uniform(0.1, 0.5) * w), int(rng.uniform(0.1, 0.6) * h))
    cv2.ellipse(mask, center, axes, float(rng.uniform(0, 180)), 0, 360, (1.0,), -1)
    k = max(int(min(h, w) * 0.3) | 1, 3)
    mask = np.asarray(cv2.GaussianBlur(mask, (k, k), 0), np.float32)
    lit: np.ndarray = img + rng.uniform(60, 160) * mask[..., None]
    return lit


def _dirt(img: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    h, w = img.shape[:2]
    mask = np.zeros((h, w), np.float32)
    for _ in range(int(rng.integers(3, 30))):
        center = (int(rng.uniform(0, w)), int(rng.uniform(0, h)))
        r = max(int(rng.uniform(0.005, 0.04) * w), 1)
        cv2.circle(mask, center, r, (float(rng.uniform(0.3, 1.0)),), -1)
    if rng.random() < 0.4:  # a smear along the bottom
        y = int(rng.uniform(0.6, 1.0) * h)
        cv2.rectangle(mask, (0, y), (w, h), (float(rng.uniform(0.2, 0.6)),), -1)
    mask = np.asarray(cv2.GaussianBlur(mask, (5, 5), 0), np.float32)
    mud = np.array(rng.uniform(40, 120, 3), np.float32)
    return img * (1 - mask[..., None]) + mud * mask[..., None]


def _infrared(img: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Night infrared: grey, the retro-reflective sheet bright, ink dark, contrast extreme."""
    gray = img.mean(axis=2, keepdims=True)
    lo, hi = np.percentile(gray, (5, 95))
    stretched = (gray - lo) / max(hi - lo, 1.0)
    stretched = np.clip(stretched * rng.uniform(1.0, 1.8) - rng.uniform(0.0, 0.3), 0, 1)
    out = 255.0 * stretched
    return np.repeat(out, 3, axis=2)


def _low_resolution(img: Image, rng: np.random.Generator) -> Image:
    h, w = img.shape[:2]
    factor = rng.uniform(0.25, 0.7)
    small = cv2.resize(
        img, (max(int(w * factor), 8), max(int(h * factor), 4)), interpolation=cv2.INTER_AREA
    )
    return np.asarray(cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR), np.uint8)


def _blur(img: Image, rng: np.random.Generator) -> Image:
    if rng.random() < 0.5:
        k = int(rng.integers(1, 3)) * 2 + 1
        return np.asarray(cv2.GaussianBlur(img, (k, k), 0), np.uint8)
    length = int(rng.integers(3, max(4, img.shape[1] // 25 + 4)))
    kernel = np.zeros((length, length), np.float32)
    kernel[length // 2, :] = 1.0 / length
    angle = float(rng.uniform(-30, 30))
    rot = cv2.getRotationMatrix2D((length / 2 - 0.5, length / 2 - 0.5), angle, 1.0)
    kernel = np.asarray(cv2.warpAffine(kernel, rot, (length, length)), np.float32)
    kernel /= max(kernel.sum(), 1e-6)
    return np.asarray(cv2.filter2D(img, -1, kernel), np.uint8)


def jitter_box(
    box: tuple[int, int, int, int], size: tuple[int, int], rng: np.random.Generator
) -> tuple[int, int, int, int]:
    """A labeled box (x, y, w, h) moved and resized a little, as a detector would place it."""
    x, y, w, h = box
    img_w, img_h = size
    dx0, dy0, dx1, dy1 = rng.uniform(-0.06, 0.12, 4) * np.array([w, h, w, h])
    x0 = int(np.clip(x - dx0, 0, img_w - 1))
    y0 = int(np.clip(y - dy0, 0, img_h - 1))
    x1 = int(np.clip(x + w + dx1, x0 + 1, img_w))
    y1 = int(np.clip(y + h + dy1, y0 + 1, img_h))
    return x0, y0, x1 - x0, y1 - y0
