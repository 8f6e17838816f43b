"""The typefaces the renderer draws plates with, from Debian font packages.

US plates use narrow, heavy sans faces (no free copy of the states' own dies exists), so the
serial is drawn in the bold and condensed faces of four Debian packages, squeezed or stretched
at random; headers and slogans use any of their faces, serif and italic included:
fonts-dejavu-core (Bitstream Vera licence), fonts-liberation (1.07: GPL-2 with the font
exception), fonts-freefont-ttf (GPL-3+ with the font exception) and fonts-urw-base35 (AGPL-3
with the font exception). Only these packages' folders are searched, so another machine's
extra fonts cannot change what a seed draws. ``docs/recognizer.md`` lists them.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from PIL import ImageFont

from plateward.errors import ConfigurationError

FONT_DIRS: tuple[Path, ...] = (
    Path("/usr/share/fonts/truetype/dejavu"),
    Path("/usr/share/fonts/truetype/liberation"),
    Path("/usr/share/fonts/truetype/freefont"),
    Path("/usr/share/fonts/opentype/urw-base35"),
)

SERIAL_FACES: tuple[str, ...] = (
    "DejaVuSansCondensed-Bold.ttf",
    "DejaVuSans-Bold.ttf",
    "DejaVuSansMono-Bold.ttf",
    "DejaVuSansMono.ttf",
    "DejaVuSansCondensed.ttf",
    "LiberationSansNarrow-Bold.ttf",
    "LiberationSansNarrow-Regular.ttf",
    "LiberationSans-Bold.ttf",
    "LiberationMono-Bold.ttf",
    "FreeSansBold.ttf",
    "FreeMonoBold.ttf",
    "NimbusSansNarrow-Bold.otf",
    "NimbusSansNarrow-Regular.otf",
    "NimbusSans-Bold.otf",
    "NimbusMonoPS-Bold.otf",
)
"""Faces for the plate number: a plate's serial is heavy and upright."""

REQUIRED_PACKAGES = "fonts-dejavu-core fonts-liberation fonts-freefont-ttf fonts-urw-base35"


@lru_cache(maxsize=1)
def _installed() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for folder in FONT_DIRS:
        if folder.is_dir():
            for path in sorted(folder.rglob("*")):
                if path.suffix.lower() in (".ttf", ".otf"):
                    found.setdefault(path.name, path)
    return found


@lru_cache(maxsize=1)
def serial_fonts() -> tuple[Path, ...]:
    """The serial faces installed here; the renderer works with DejaVu's and Liberation's alone
    (what CI installs), a training run needs all four packages to match the shipped model."""
    installed = _installed()
    paths = tuple(installed[name] for name in SERIAL_FACES if name in installed)
    if len(paths) < 4:
        raise ConfigurationError(
            f"{FONT_DIRS[0].parent}: found {len(paths)} of the plate fonts; install the Debian packages "
            f"{REQUIRED_PACKAGES} (apt-get install {REQUIRED_PACKAGES})"
        )
    return paths


def require_all() -> None:
    """A training run draws with every serial face, or its model is not the shipped one's."""
    missing = [name for name in SERIAL_FACES if name not in _installed()]
    if missing:
        raise ConfigurationError(
            f"{FONT_DIRS[0].parent}: missing {', '.join(missing)}; install the Debian packages "
            f"{REQUIRED_PACKAGES}"
        )


@lru_cache(maxsize=1)
def header_fonts() -> tuple[Path, ...]:
    """Every face installed under the font folders, for state names and slogans."""
    installed = _installed()
    keep = [
        p
        for name, p in sorted(installed.items())
        if not any(skip in name for skip in ("Math", "ExtraLight", "Symbol", "Dingbat", "D050000L"))
    ]
    return tuple(keep) or serial_fonts()


@lru_cache(maxsize=256)
def load(path: Path, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(path), size)
