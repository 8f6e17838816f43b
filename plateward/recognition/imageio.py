"""Getting images into the engine safely: files, bytes and arrays, and which inputs are which.

Image files come from cameras, uploads and evidence drives, so they are treated as hostile:

* Size is checked twice before anything is decoded: the file's bytes against
  ``max_file_bytes``, then the pixel count read from the format's own header (PNG IHDR, JPEG SOF,
  WebP VP8/VP8L/VP8X, BMP info header, TIFF first IFD, PNM) against ``max_pixels``. A
  decompression bomb, such as a small PNG claiming 30000x30000, is refused in microseconds
  without OpenCV allocating its 2.7 GB. OpenCV's own guard (env ``OPENCV_IO_MAX_IMAGE_PIXELS``,
  default 2^30 pixels) is read once when the library loads and is far above what an ALPR camera
  produces, so it is a backstop, not the limit.
* Only formats whose header we can size are accepted: JPEG, PNG, WebP, BMP, TIFF and PNM. Other
  formats OpenCV could read (JPEG 2000, OpenEXR, Radiance HDR, Sun raster) are refused as
  unsupported, because an unsized format is exactly where a bomb would get through.
* Truncated files are refused, not decoded. OpenCV decodes a JPEG cut short into an image whose
  missing part is grey, and a plate read from half an image is worse than an error: the cut is
  almost always a failed transfer that the operator should know about and retry. A JPEG is
  complete when an end-of-image marker follows its first scan, a PNG when its IEND chunk is
  reached, a WebP when its RIFF size is all there, an uncompressed BMP when all its rows are.
  TIFF and compressed BMP truncation is left to the decoder, which fails on it.

Decoding uses ``IMREAD_COLOR``: grey, 16-bit and alpha images come out as 8-bit BGR, and a JPEG's
EXIF orientation is applied, so a phone photo taken sideways is read upright.
"""

from __future__ import annotations

import os
import stat
import struct
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from plateward.errors import InvalidInput, UnreadableSource
from plateward.recognition.interfaces import Image

IMAGE_EXTENSIONS = frozenset(
    {
        ".jpg",
        ".jpeg",
        ".jpe",
        ".jfif",
        ".png",
        ".webp",
        ".bmp",
        ".dib",
        ".tif",
        ".tiff",
        ".pbm",
        ".pgm",
        ".ppm",
        ".pnm",
    }
)
VIDEO_EXTENSIONS = frozenset(
    {
        ".mp4",
        ".m4v",
        ".avi",
        ".mkv",
        ".mov",
        ".webm",
        ".wmv",
        ".flv",
        ".mpg",
        ".mpeg",
        ".ts",
        ".m2ts",
        ".mts",
        ".3gp",
        ".mjpeg",
        ".mjpg",
        ".h264",
        ".h265",
        ".hevc",
    }
)
STREAM_SCHEMES = ("rtsp://", "rtsps://", "rtmp://", "http://", "https://", "udp://", "tcp://")

SUPPORTED_FORMATS = "JPEG, PNG, WebP, BMP, TIFF or PNM"


class SourceKind(Enum):
    IMAGE = "image"
    VIDEO = "video"
    STREAM = "stream"


@dataclass(frozen=True)
class Source:
    """One input to read: a file path or a stream URL, and how it must be opened."""

    location: str
    kind: SourceKind


@dataclass(frozen=True)
class ImageHeader:
    """What the file says about itself before any pixel is decoded."""

    format: str
    width_px: int
    height_px: int
    complete: bool | None
    """False when the data is visibly cut short; None when the format gives no cheap way to tell."""


class _BadHeader(Exception):
    """The header is malformed; the message says how (turned into UnreadableSource by callers)."""


def iter_sources(paths: Sequence[str]) -> Iterator[Source]:
    """Each path as a Source, folders expanded recursively in sorted order.

    Folders contribute only files with a known image or video extension, so that a camera dump
    with sidecar files (.xml, .json, thumbnails.db) can be given whole. A path given by name is
    always yielded, whatever its extension and even if it does not exist: it is classified by
    extension (unknown ones as images, whose content is then sniffed) and the failure, if any,
    is reported when it is opened, alongside the other inputs. A bare number that is not a file
    is a camera index (``0`` is the first camera), read as a live stream.
    """
    for raw in paths:
        path = Path(raw)
        if raw.lower().startswith(STREAM_SCHEMES) or (raw.isdigit() and not path.exists()):
            yield Source(raw, SourceKind.STREAM)
            continue
        if path.is_dir():
            yield from _folder_sources(path)
        else:
            yield Source(raw, _kind_by_extension(path) or SourceKind.IMAGE)


def _folder_sources(folder: Path) -> Iterator[Source]:
    found: list[tuple[tuple[str, ...], Source]] = []
    for root, _dirs, files in os.walk(folder):
        for name in files:
            path = Path(root) / name
            kind = _kind_by_extension(path)
            if kind is not None:
                found.append((path.relative_to(folder).parts, Source(str(path), kind)))
    # Sorted by path components, as `find | sort` would list them, whatever the file system.
    yield from (source for _, source in sorted(found, key=lambda item: item[0]))


def _kind_by_extension(path: Path) -> SourceKind | None:
    suffix = path.suffix.lower()
    if suffix in IMAGE_EXTENSIONS:
        return SourceKind.IMAGE
    if suffix in VIDEO_EXTENSIONS:
        return SourceKind.VIDEO
    return None


def load_image(path: Path, *, max_pixels: int, max_file_bytes: int) -> Image:
    """Read and decode an image file, refusing anything missing, oversized, bombed or cut short."""
    name = str(path)
    try:
        info = path.stat()
    except FileNotFoundError:
        raise UnreadableSource(name, "file not found") from None
    except OSError as exc:
        raise UnreadableSource(name, f"cannot open: {exc.strerror or exc}") from None
    if stat.S_ISDIR(info.st_mode):
        raise UnreadableSource(name, "is a folder, not an image file")
    if not stat.S_ISREG(info.st_mode):
        # A FIFO or device would block or never end.
        raise UnreadableSource(name, "not a regular file")
    _check_byte_size(name, info.st_size, max_file_bytes)
    try:
        with path.open("rb") as handle:
            # One byte over the limit is enough to tell that the file grew past it since stat.
            data = handle.read(max_file_bytes + 1)
    except OSError as exc:
        raise UnreadableSource(name, f"cannot read: {exc.strerror or exc}") from None
    return decode_image(data, name, max_pixels=max_pixels, max_file_bytes=max_file_bytes)


def decode_image(data: bytes, name: str, *, max_pixels: int, max_file_bytes: int) -> Image:
    """Decode an encoded image held in memory (an upload, a message); ``name`` labels errors."""
    _check_byte_size(name, len(data), max_file_bytes)
    header = read_header(data, name)
    pixels = header.width_px * header.height_px
    if pixels > max_pixels:
        raise UnreadableSource(
            name,
            f"image is {header.width_px}x{header.height_px} ({pixels / 1e6:.1f} MP), "
            f"over the {max_pixels / 1e6:g} MP limit",
        )
    if header.complete is False:
        raise UnreadableSource(name, f"truncated {header.format} file (data ends early)")
    try:
        image = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), cv2.IMREAD_COLOR)
    except cv2.error as exc:
        reason = str(exc).strip().splitlines()[-1] if str(exc).strip() else "decoder error"
        raise UnreadableSource(name, f"corrupt {header.format} data ({reason})") from None
    if image is None or image.size == 0:
        raise UnreadableSource(name, f"corrupt {header.format} data (could not be decoded)")
    return as_bgr(image, name=name)


def read_header(data: bytes, name: str) -> ImageHeader:
    """The format, dimensions and completeness of encoded image data, from its header alone."""
    if not data:
        raise UnreadableSource(name, "empty file")
    parser = _parser_for(data)
    if parser is None:
        raise UnreadableSource(
            name, f"unsupported or unrecognised format (not {SUPPORTED_FORMATS})"
        )
    format_name, parse = parser
    try:
        header = parse(data)
    except (_BadHeader, struct.error, IndexError, ValueError) as exc:
        detail = str(exc) if isinstance(exc, _BadHeader) else "header cut short"
        raise UnreadableSource(name, f"corrupt {format_name} header ({detail})") from None
    if header.width_px <= 0 or header.height_px <= 0:
        raise UnreadableSource(
            name, f"corrupt {format_name} header (size {header.width_px}x{header.height_px})"
        )
    return header


def as_bgr(array: Any, *, name: str = "array") -> Image:
    """An in-memory image as the engine's H x W x 3 BGR uint8; grey and BGRA are converted.

    Colour arrays are taken to be in OpenCV's BGR order already: the channel order cannot be
    checked, so callers holding RGB (PIL, imageio) must convert first.
    """
    if not isinstance(array, np.ndarray):
        raise InvalidInput(f"{name}: expected a numpy array, got {type(array).__name__}")
    if array.dtype != np.uint8:
        raise InvalidInput(f"{name}: image dtype is {array.dtype}, expected uint8")
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[:, :, 0]
    if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[2] not in (3, 4)):
        raise InvalidInput(
            f"{name}: image shape is {array.shape}, expected H x W, H x W x 3 or H x W x 4"
        )
    if array.shape[0] == 0 or array.shape[1] == 0:
        raise InvalidInput(f"{name}: image is empty ({array.shape[1]}x{array.shape[0]})")
    if array.ndim == 2:
        return np.asarray(cv2.cvtColor(array, cv2.COLOR_GRAY2BGR), dtype=np.uint8)
    if array.shape[2] == 4:
        return np.asarray(cv2.cvtColor(array, cv2.COLOR_BGRA2BGR), dtype=np.uint8)
    return np.ascontiguousarray(array)


# --- format headers -------------------------------------------------------------------------


def _parser_for(data: bytes) -> tuple[str, Callable[[bytes], ImageHeader]] | None:
    if data.startswith(b"\xff\xd8\xff"):
        return "JPEG", _jpeg_header
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG", _png_header
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WebP", _webp_header
    if data.startswith(b"BM"):
        return "BMP", _bmp_header
    if data[:4] in (b"II*\x00", b"MM\x00*"):
        return "TIFF", _tiff_header
    if len(data) >= 2 and data[0:1] == b"P" and data[1:2] in b"123456":
        return "PNM", _pnm_header
    return None


_JPEG_SOF = frozenset(
    {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}
)
_JPEG_STANDALONE = frozenset({0x01, *range(0xD0, 0xD8)})


def _jpeg_header(data: bytes) -> ImageHeader:
    """Walk the marker segments to the first SOF (size) and first SOS (where pixels start).

    Segments are skipped by their length, so an EXIF thumbnail, which is a whole JPEG inside
    APP1, is never mistaken for the image. Inside entropy-coded data a 0xFF byte is always
    followed by 0x00 or a restart marker, so an FF D9 after the first scan can only be the
    end-of-image marker: its absence means the file was cut.
    """
    pos = 2
    size: tuple[int, int] | None = None
    while True:
        if pos >= len(data):
            raise _BadHeader("ends before the image data")
        if data[pos] != 0xFF:
            raise _BadHeader(f"no marker at byte {pos}")
        while pos < len(data) and data[pos] == 0xFF:  # fill bytes
            pos += 1
        if pos >= len(data):
            raise _BadHeader("ends before the image data")
        marker = data[pos]
        pos += 1
        if marker in _JPEG_STANDALONE:
            continue
        if marker == 0xD9:
            raise _BadHeader("end-of-image before any image data")
        (length,) = struct.unpack(">H", data[pos : pos + 2])
        if length < 2:
            raise _BadHeader(f"segment length {length}")
        if marker in _JPEG_SOF and size is None:
            height, width = struct.unpack(">HH", data[pos + 3 : pos + 7])
            size = (width, height)
        if marker == 0xDA:
            if size is None:
                raise _BadHeader("image data before the frame header")
            complete = data.find(b"\xff\xd9", pos + length) != -1
            return ImageHeader("JPEG", size[0], size[1], complete)
        pos += length


def _png_header(data: bytes) -> ImageHeader:
    if data[12:16] != b"IHDR":
        raise _BadHeader("first chunk is not IHDR")
    width, height = struct.unpack(">II", data[16:24])
    pos = 8
    complete = False
    while pos + 8 <= len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        chunk_type = data[pos + 4 : pos + 8]
        pos += 12 + length
        if chunk_type == b"IEND":
            complete = pos <= len(data)
            break
    return ImageHeader("PNG", width, height, complete)


def _webp_header(data: bytes) -> ImageHeader:
    (riff_size,) = struct.unpack("<I", data[4:8])
    chunk = data[12:16]
    body = 20
    if chunk == b"VP8 ":
        if data[body + 3 : body + 6] != b"\x9d\x01\x2a":
            raise _BadHeader("no VP8 start code")
        width, height = struct.unpack("<HH", data[body + 6 : body + 10])
        width, height = width & 0x3FFF, height & 0x3FFF
    elif chunk == b"VP8L":
        if data[body] != 0x2F:
            raise _BadHeader("no VP8L signature")
        (bits,) = struct.unpack("<I", data[body + 1 : body + 5])
        width, height = (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    elif chunk == b"VP8X":
        canvas = data[body + 4 : body + 10]
        if len(canvas) < 6:
            raise _BadHeader("header cut short")
        width = int.from_bytes(canvas[0:3], "little") + 1
        height = int.from_bytes(canvas[3:6], "little") + 1
    else:
        raise _BadHeader(f"unknown chunk {chunk!r}")
    return ImageHeader("WebP", width, height, len(data) >= 8 + riff_size)


def _bmp_header(data: bytes) -> ImageHeader:
    (pixel_offset,) = struct.unpack("<I", data[10:14])
    (dib_size,) = struct.unpack("<I", data[14:18])
    if dib_size == 12:  # OS/2 BITMAPCOREHEADER
        width, height, _planes, bits = struct.unpack("<HHHH", data[18:26])
        compression = 0
    elif dib_size >= 40:
        width, height, _planes, bits, compression = struct.unpack("<iiHHI", data[18:34])
    else:
        raise _BadHeader(f"unknown info header size {dib_size}")
    height = abs(height)  # negative means rows are stored top-down
    complete: bool | None = None
    if compression in (0, 3, 6) and width > 0 and bits in (1, 4, 8, 16, 24, 32):
        row_bytes = (width * bits + 31) // 32 * 4
        complete = len(data) >= pixel_offset + row_bytes * height
    return ImageHeader("BMP", width, height, complete)


_TIFF_WIDTH, _TIFF_LENGTH = 256, 257


def _tiff_header(data: bytes) -> ImageHeader:
    order = "<" if data[:2] == b"II" else ">"
    (ifd,) = struct.unpack(order + "I", data[4:8])
    (count,) = struct.unpack(order + "H", data[ifd : ifd + 2])
    found: dict[int, int] = {}
    for i in range(count):
        entry = data[ifd + 2 + 12 * i : ifd + 14 + 12 * i]
        tag, kind, _n = struct.unpack(order + "HHI", entry[:8])
        if tag in (_TIFF_WIDTH, _TIFF_LENGTH):
            fmt = order + ("H" if kind == 3 else "I")
            found[tag] = struct.unpack(fmt, entry[8 : 8 + struct.calcsize(fmt)])[0]
    if _TIFF_WIDTH not in found or _TIFF_LENGTH not in found:
        raise _BadHeader("no image width or length tag")
    return ImageHeader("TIFF", found[_TIFF_WIDTH], found[_TIFF_LENGTH], None)


def _pnm_header(data: bytes) -> ImageHeader:
    """PBM/PGM/PPM: magic, then width, height (and maxval) as ASCII tokens, # comments allowed."""
    magic = data[1] - ord("0")
    wanted = 2 if magic in (1, 4) else 3
    tokens: list[int] = []
    pos = 2
    while len(tokens) < wanted:
        while pos < len(data) and (data[pos : pos + 1].isspace() or data[pos] == ord("#")):
            if data[pos] == ord("#"):
                end = data.find(b"\n", pos)
                pos = len(data) if end == -1 else end
            pos += 1
        start = pos
        while pos < len(data) and data[pos : pos + 1].isdigit():
            pos += 1
        if start == pos or pos - start > 9:
            raise _BadHeader("bad size field")
        tokens.append(int(data[start:pos]))
    width, height = tokens[0], tokens[1]
    complete: bool | None = None
    if magic in (5, 6):  # binary grey / colour: the data size is known
        sample_bytes = 2 if tokens[2] > 255 else 1
        channels = 3 if magic == 6 else 1
        complete = len(data) >= pos + 1 + width * height * channels * sample_bytes
    return ImageHeader("PNM", width, height, complete)


def _check_byte_size(name: str, size: int, max_file_bytes: int) -> None:
    if size == 0:
        raise UnreadableSource(name, "empty file")
    if size > max_file_bytes:
        raise UnreadableSource(
            name, f"file is over the {max_file_bytes:,}-byte limit ({size:,} bytes or more)"
        )
