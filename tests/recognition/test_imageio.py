"""Image input: every format decodes, and every kind of bad file is refused with its reason."""

from __future__ import annotations

import struct
import time
import zlib
from pathlib import Path

import cv2
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from plateward.errors import InvalidInput, UnreadableSource
from plateward.recognition.imageio import (
    Source,
    SourceKind,
    as_bgr,
    decode_image,
    iter_sources,
    load_image,
    read_header,
)

LIMITS = {"max_pixels": 80_000_000, "max_file_bytes": 100_000_000}
FORMATS = [".jpg", ".png", ".webp", ".bmp", ".tiff", ".ppm"]


def picture(height: int = 40, width: int = 64) -> np.ndarray:
    rng = np.random.default_rng(height * 1000 + width)
    return rng.integers(0, 256, (height, width, 3), dtype=np.uint8)


def encoded(ext: str, image: np.ndarray | None = None, params: list[int] | None = None) -> bytes:
    ok, buf = cv2.imencode(ext, picture() if image is None else image, params or [])
    assert ok
    return bytes(buf)


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def bomb_png(width: int, height: int) -> bytes:
    """A valid-looking PNG header claiming a huge image, with almost no data behind it."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 1000)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", ihdr)
        + png_chunk(b"IDAT", idat)
        + png_chunk(b"IEND", b"")
    )


def with_jpeg_size(data: bytes, width: int, height: int) -> bytes:
    """A real JPEG whose frame header (SOF0) is rewritten to claim another size."""
    sof = data.index(b"\xff\xc0")
    return data[: sof + 5] + struct.pack(">HH", height, width) + data[sof + 9 :]


# --- good images ------------------------------------------------------------------------------


@pytest.mark.parametrize("ext", FORMATS)
def test_every_supported_format_loads_as_bgr(tmp_path: Path, ext: str) -> None:
    original = picture()
    path = write(tmp_path / f"car{ext}", encoded(ext, original))
    image = load_image(path, **LIMITS)
    assert image.shape == original.shape
    assert image.dtype == np.uint8
    if ext in (".png", ".bmp", ".tiff", ".ppm"):  # lossless
        assert np.array_equal(image, original)


def test_lossless_webp_and_progressive_jpeg_load(tmp_path: Path) -> None:
    lossless = encoded(".webp", params=[cv2.IMWRITE_WEBP_QUALITY, 101])
    progressive = encoded(".jpg", params=[cv2.IMWRITE_JPEG_PROGRESSIVE, 1])
    assert read_header(lossless, "x").width_px == 64
    assert decode_image(lossless, "a.webp", **LIMITS).shape == (40, 64, 3)
    assert decode_image(progressive, "a.jpg", **LIMITS).shape == (40, 64, 3)


def test_grey_and_alpha_files_come_out_as_three_channels(tmp_path: Path) -> None:
    grey = write(tmp_path / "grey.png", encoded(".png", picture()[:, :, 0]))
    bgra = np.dstack([picture(), np.full((40, 64), 128, np.uint8)])
    alpha = write(tmp_path / "alpha.png", encoded(".png", bgra))
    assert load_image(grey, **LIMITS).shape == (40, 64, 3)
    assert np.array_equal(load_image(alpha, **LIMITS), bgra[:, :, :3])


def test_format_is_sniffed_not_taken_from_the_extension(tmp_path: Path) -> None:
    path = write(tmp_path / "really-a-png.jpg", encoded(".png"))
    assert load_image(path, **LIMITS).shape == (40, 64, 3)


@settings(max_examples=25, deadline=None)
@given(
    width=st.integers(1, 300),
    height=st.integers(1, 300),
    ext=st.sampled_from([".jpg", ".png", ".webp", ".bmp", ".tiff", ".ppm"]),
)
def test_header_size_is_the_decoded_size(width: int, height: int, ext: str) -> None:
    data = encoded(ext, np.zeros((height, width, 3), np.uint8))
    header = read_header(data, "x")
    assert (header.width_px, header.height_px) == (width, height)
    assert header.complete is not False


# --- bad files --------------------------------------------------------------------------------


def refusal(path: Path, **limits: int) -> str:
    with pytest.raises(UnreadableSource) as caught:
        load_image(path, **{**LIMITS, **limits})
    assert caught.value.source == str(path)
    assert caught.value.message.startswith(f"{path}: ")
    return caught.value.reason


def test_missing_file(tmp_path: Path) -> None:
    assert refusal(tmp_path / "nope.jpg") == "file not found"


def test_folder(tmp_path: Path) -> None:
    assert "folder" in refusal(tmp_path)


def test_empty_file(tmp_path: Path) -> None:
    assert refusal(write(tmp_path / "empty.jpg", b"")) == "empty file"


def test_file_over_the_byte_limit(tmp_path: Path) -> None:
    path = write(tmp_path / "big.png", encoded(".png"))
    assert "1,000-byte limit" in refusal(path, max_file_bytes=1_000)


def test_random_bytes_are_unsupported(tmp_path: Path) -> None:
    path = write(tmp_path / "junk.jpg", bytes(range(256)) * 4)
    assert "unsupported or unrecognised format" in refusal(path)


def test_text_file_is_unsupported(tmp_path: Path) -> None:
    assert "unsupported" in refusal(write(tmp_path / "notes.png", b"plate list\nABC123\n"))


def test_jpeg_with_corrupt_data_after_a_good_header(tmp_path: Path) -> None:
    data = encoded(".jpg")
    sos = data.index(b"\xff\xda")
    garbage = data[: sos + 2] + b"\x00\x01" + b"\x13" * 200 + b"\xff\xd9"
    reason = refusal(write(tmp_path / "bad.jpg", garbage))
    assert reason.startswith("corrupt JPEG")


def test_png_signature_without_ihdr(tmp_path: Path) -> None:
    path = write(tmp_path / "bad.png", b"\x89PNG\r\n\x1a\n" + png_chunk(b"tEXt", b"hello"))
    assert refusal(path) == "corrupt PNG header (first chunk is not IHDR)"


def test_png_with_corrupt_pixel_data(tmp_path: Path) -> None:
    ihdr = struct.pack(">IIBBBBB", 64, 40, 8, 2, 0, 0, 0)
    data = (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", ihdr)
        + png_chunk(b"IDAT", b"not zlib")
        + png_chunk(b"IEND", b"")
    )
    assert refusal(write(tmp_path / "bad.png", data)).startswith("corrupt PNG data")


@pytest.mark.parametrize("ext", [".jpg", ".png", ".webp", ".bmp", ".ppm"])
def test_truncated_file_is_refused_not_half_decoded(tmp_path: Path, ext: str) -> None:
    data = encoded(ext, picture(200, 300))
    path = write(tmp_path / f"cut{ext}", data[: len(data) * 2 // 3])
    assert refusal(path).startswith("truncated ")


def test_jpeg_cut_before_its_end_marker_only(tmp_path: Path) -> None:
    # OpenCV decodes this without complaint; only the missing end-of-image marker tells.
    data = encoded(".jpg", picture(200, 300))
    assert data.endswith(b"\xff\xd9")
    assert cv2.imdecode(np.frombuffer(data[:-2], np.uint8), cv2.IMREAD_COLOR) is not None
    assert (
        refusal(write(tmp_path / "cut.jpg", data[:-2])) == "truncated JPEG file (data ends early)"
    )


def test_jpeg_with_trailing_bytes_after_its_end_is_accepted(tmp_path: Path) -> None:
    path = write(tmp_path / "camera.jpg", encoded(".jpg") + b"\x00" * 64 + b"vendor trailer")
    assert load_image(path, **LIMITS).shape == (40, 64, 3)


def test_png_bomb_is_refused_from_its_header_without_decoding(tmp_path: Path) -> None:
    path = write(tmp_path / "bomb.png", bomb_png(30_000, 30_000))
    assert path.stat().st_size < 2_000
    started = time.perf_counter()
    reason = refusal(path)
    elapsed_s = time.perf_counter() - started
    assert reason == "image is 30000x30000 (900.0 MP), over the 80 MP limit"
    # Decoding 900 MP would take seconds and 2.7 GB; reading a header takes microseconds.
    assert elapsed_s < 0.5


def test_jpeg_bomb_is_refused_from_its_frame_header(tmp_path: Path) -> None:
    path = write(tmp_path / "bomb.jpg", with_jpeg_size(encoded(".jpg"), 60_000, 60_000))
    assert "60000x60000" in refusal(path)


def test_webp_and_bmp_bombs_are_refused(tmp_path: Path) -> None:
    vp8x = b"VP8X" + struct.pack("<I", 10) + b"\x00\x00\x00\x00" + (16383).to_bytes(3, "little") * 2
    webp = b"RIFF" + struct.pack("<I", 4 + len(vp8x)) + b"WEBP" + vp8x
    assert "16384x16384" in refusal(write(tmp_path / "bomb.webp", webp), max_pixels=10_000_000)
    bmp = bytearray(encoded(".bmp"))
    bmp[18:26] = struct.pack("<ii", 50_000, -50_000)  # top-down rows: negative height
    assert "50000x50000" in refusal(write(tmp_path / "bomb.bmp", bytes(bmp)))


def test_pixel_limit_is_the_setting_not_a_constant(tmp_path: Path) -> None:
    path = write(tmp_path / "car.png", encoded(".png"))  # 64 x 40 = 2560 px
    assert load_image(path, max_pixels=2560, max_file_bytes=10**6).shape == (40, 64, 3)
    assert "over the" in refusal(path, max_pixels=2559)


def test_zero_sized_header_is_corrupt(tmp_path: Path) -> None:
    path = write(tmp_path / "zero.jpg", with_jpeg_size(encoded(".jpg"), 0, 40))
    assert "corrupt JPEG header" in refusal(path)


@settings(max_examples=60, deadline=None)
@given(cut=st.integers(0, 10_000), flip=st.integers(0, 10_000), ext=st.sampled_from(FORMATS))
def test_damaged_files_decode_or_fail_cleanly(cut: int, flip: int, ext: str) -> None:
    data = bytearray(encoded(ext))
    data = data[: max(1, len(data) - cut % len(data))]
    data[flip % len(data)] ^= 0xFF
    try:
        image = decode_image(bytes(data), "fuzz", **LIMITS)
    except UnreadableSource as exc:
        assert exc.source == "fuzz"
    else:
        assert image.ndim == 3 and image.shape[2] == 3 and image.dtype == np.uint8


@settings(max_examples=200, deadline=None)
@given(data=st.binary(min_size=0, max_size=200))
def test_arbitrary_bytes_never_crash(data: bytes) -> None:
    for prefix in (
        b"",
        b"\xff\xd8\xff",
        b"\x89PNG\r\n\x1a\n",
        b"RIFF\x00\x00\x00\x00WEBP",
        b"BM",
        b"II*\x00",
        b"P6",
    ):
        try:
            decode_image(prefix + data, "fuzz", **LIMITS)
        except UnreadableSource:
            pass


# --- arrays -----------------------------------------------------------------------------------


def test_as_bgr_converts_grey_single_channel_and_bgra() -> None:
    grey = np.arange(12, dtype=np.uint8).reshape(3, 4)
    assert as_bgr(grey).shape == (3, 4, 3)
    assert np.array_equal(as_bgr(grey)[:, :, 2], grey)
    assert as_bgr(grey[:, :, None]).shape == (3, 4, 3)
    bgra = np.zeros((3, 4, 4), np.uint8)
    bgra[..., 0] = 7
    assert np.array_equal(as_bgr(bgra), bgra[..., :3])
    bgr = picture()
    assert np.array_equal(as_bgr(bgr), bgr)


def test_as_bgr_makes_views_contiguous() -> None:
    view = picture()[:, ::2]
    assert not view.flags["C_CONTIGUOUS"]
    assert as_bgr(view).flags["C_CONTIGUOUS"]


@pytest.mark.parametrize(
    ("array", "words"),
    [
        (np.zeros((4, 4, 3), np.float32), "dtype is float32"),
        (np.zeros((4, 4, 2), np.uint8), "shape is (4, 4, 2)"),
        (np.zeros((2, 4, 4, 3), np.uint8), "shape is (2, 4, 4, 3)"),
        (np.zeros((0, 4, 3), np.uint8), "empty"),
        ([[1, 2], [3, 4]], "expected a numpy array, got list"),
    ],
)
def test_as_bgr_refuses_what_is_not_an_image(array: object, words: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        as_bgr(array, name="frame-7")
    assert caught.value.message.startswith("frame-7: ")
    assert words in caught.value.message


# --- sources ----------------------------------------------------------------------------------


def test_folders_expand_recursively_sorted_by_kind(tmp_path: Path) -> None:
    for name in [
        "b.jpg",
        "a.PNG",
        "notes.txt",
        "clip.MP4",
        "sub/c.webp",
        "sub/deeper/d.mkv",
        "sub/.DS_Store",
        "a_sub/e.bmp",
    ]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(b"x")
    sources = list(iter_sources([str(tmp_path)]))
    assert [(Path(s.location).relative_to(tmp_path).as_posix(), s.kind) for s in sources] == [
        ("a.PNG", SourceKind.IMAGE),
        ("a_sub/e.bmp", SourceKind.IMAGE),
        ("b.jpg", SourceKind.IMAGE),
        ("clip.MP4", SourceKind.VIDEO),
        ("sub/c.webp", SourceKind.IMAGE),
        ("sub/deeper/d.mkv", SourceKind.VIDEO),
    ]


def test_named_paths_and_urls_are_classified(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    given_paths = [
        "rtsp://cam1/stream",
        "HTTPS://cam2/mjpeg",
        "http://x/y.jpg",
        "0",
        "lane.mov",
        "missing.jpg",
        "upload.bin",
    ]
    assert list(iter_sources(given_paths)) == [
        Source("rtsp://cam1/stream", SourceKind.STREAM),
        Source("HTTPS://cam2/mjpeg", SourceKind.STREAM),
        Source("http://x/y.jpg", SourceKind.STREAM),
        Source("0", SourceKind.STREAM),  # a camera index
        Source("lane.mov", SourceKind.VIDEO),
        Source("missing.jpg", SourceKind.IMAGE),
        Source("upload.bin", SourceKind.IMAGE),  # content decides, when it is opened
    ]


def test_empty_folder_yields_nothing(tmp_path: Path) -> None:
    assert list(iter_sources([str(tmp_path)])) == []
