"""The typefaces the renderer draws plates with, from Debian font packages.

US plates use narrow, heavy sans faces (no free copy of the states' own dies exists), so the
serial is drawn in the bold and condensed faces of DejaVu (fonts-dejavu-core, Bitstream Vera
licence) and Liberation (fonts-liberation, SIL OFL 1.1), squeezed or stretched at random;
headers and slogans use any face, serif and italic included. FreeFont (fonts-freefont-ttf,
GPL-3.0 with the font exception) and URW's Nimbus faces (fonts-urw-base35, AGPL-3.0 with the
font exception) are used when installed. ``docs/recognizer.md`` lists them with their licences.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from PIL import ImageFont

from plateward.errors import ConfigurationError

FONT_DIRS: tuple[Path, ...] = (Path("/usr/share/fonts"), Path("/usr/local/share/fonts"))

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

REQUIRED_PACKAGES = "fonts-dejavu-core fonts-liberation"


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
    """The serial faces installed here; at least DejaVu's and Liberation's are needed."""
    installed = _installed()
    paths = tuple(installed[name] for name in SERIAL_FACES if name in installed)
    if len(paths) < 4:
        raise ConfigurationError(
            f"{FONT_DIRS[0]}: found {len(paths)} of the plate fonts; install the Debian packages "
            f"{REQUIRED_PACKAGES} (apt-get install {REQUIRED_PACKAGES})"
        )
    return paths


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
