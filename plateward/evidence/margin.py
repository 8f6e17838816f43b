"""Burning the report number into a margin added below an image (policy B: downloaded images
are annotated with the report number).

The picture itself is not drawn on: a white band is added under it and the text written
there, so nothing of what the camera saw is hidden. The lines are set as large as the
image's width allows and wrapped at spaces when even the smallest size is too wide. OpenCV is
loaded here only when an evidence export runs (the recognizer is its other user).
"""

from __future__ import annotations

from collections.abc import Sequence

from plateward.recognition.imageio import decode_image

FONT_SCALES = (0.9, 0.75, 0.6, 0.5, 0.42, 0.36, 0.32)
PADDING_PX = 6
MAX_PIXELS = 80_000_000
MAX_BYTES = 100_000_000


def burn_margin(data: bytes, lines: Sequence[str], name: str) -> bytes:
    """A JPEG copy of the image ``data`` with ``lines`` written in a margin below it."""
    import cv2
    import numpy as np

    image = decode_image(data, name, max_pixels=MAX_PIXELS, max_file_bytes=MAX_BYTES)
    width = image.shape[1]
    font = cv2.FONT_HERSHEY_SIMPLEX
    room = max(width - 2 * PADDING_PX, 20)
    scale, thickness = FONT_SCALES[-1], 1
    for candidate in FONT_SCALES:
        if all(cv2.getTextSize(line, font, candidate, 1)[0][0] <= room for line in lines):
            scale = candidate
            break
    wrapped = [part for line in lines for part in _wrap(line, font, scale, room)]
    line_height = cv2.getTextSize("Ag", font, scale, thickness)[0][1] + int(10 * scale) + 4
    band = np.full((line_height * len(wrapped) + 2 * PADDING_PX, width, 3), 255, np.uint8)
    for k, line in enumerate(wrapped):
        baseline = PADDING_PX + (k + 1) * line_height - 4
        cv2.putText(band, line, (PADDING_PX, baseline), font, scale, (0, 0, 0), thickness,
                    cv2.LINE_AA)  # fmt: skip
    annotated = np.vstack([image, band])
    ok, encoded = cv2.imencode(".jpg", annotated, [cv2.IMWRITE_JPEG_QUALITY, 95])
    if not ok:
        raise RuntimeError(f"{name}: the annotated copy could not be encoded")
    return bytes(encoded.tobytes())


def _wrap(line: str, font: int, scale: float, room: int) -> list[str]:
    import cv2

    if cv2.getTextSize(line, font, scale, 1)[0][0] <= room:
        return [line]
    out: list[str] = []
    current = ""
    for word in line.split(" "):
        trial = f"{current} {word}".strip()
        if current and cv2.getTextSize(trial, font, scale, 1)[0][0] > room:
            out.append(current)
            current = word
        else:
            current = trial
    while current:
        # A single word wider than the image (a long read id) is cut where it must be.
        cut = len(current)
        while cut > 1 and cv2.getTextSize(current[:cut], font, scale, 1)[0][0] > room:
            cut -= 1
        out.append(current[:cut])
        current = current[cut:]
    return out
