"""read_video on small synthetic videos, with a fake engine that reads plates by their colour.

The video (320x180, 30 fps, made in a tmp dir) shows three "vehicles" (dark boxes carrying a
brightly coloured plate) crossing a grey street with still, empty stretches between them: A
alone, then B, which stops mid-frame for a second, while C crosses as B drives off.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import pytest

from plateward.errors import UnreadableSource
from plateward.recognition.interfaces import Image
from plateward.recognition.types import Detection, PlateRead
from plateward.recognition.video import (
    Capture,
    MotionGate,
    PlateEngine,
    VideoStats,
    _cut_by_edge,
    _drop_nested,
    is_live,
    read_video,
)
from plateward.settings import RecognitionSettings, VideoSettings

WIDTH, HEIGHT, FPS = 320, 180, 30.0
PLATES = {"AAA111": (255, 255, 0), "BBB222": (255, 0, 255), "CCC333": (0, 255, 255)}


@dataclass(frozen=True)
class Vehicle:
    plate: str
    lane_y: int
    start: int
    left_to_right: bool
    speed_px: int = 8
    stop_frames: int = 0

    def x_at(self, frame: int) -> int | None:
        t = frame - self.start
        if t < 0:
            return None
        centre_t = (WIDTH // 2 + 30) // self.speed_px
        if self.stop_frames and t > centre_t:
            t = max(centre_t, t - self.stop_frames)
        d = t * self.speed_px
        if d > WIDTH + 60:
            return None
        return d - 60 if self.left_to_right else WIDTH - d


SCENE = (
    Vehicle("AAA111", lane_y=30, start=15, left_to_right=True),
    Vehicle("BBB222", lane_y=110, start=96, left_to_right=False, stop_frames=30),
    Vehicle("CCC333", lane_y=30, start=150, left_to_right=True),
)
FRAMES = 226


def render(index: int) -> Image:
    frame = np.full((HEIGHT, WIDTH, 3), 120, np.uint8)
    cv2.line(frame, (0, 95), (WIDTH, 95), (255, 255, 255), 2)
    for v in SCENE:
        x = v.x_at(index)
        if x is None:
            continue
        cv2.rectangle(frame, (x, v.lane_y), (x + 59, v.lane_y + 35), (50, 50, 50), -1)
        cv2.rectangle(frame, (x + 18, v.lane_y + 20), (x + 41, v.lane_y + 29), PLATES[v.plate], -1)
    return frame


def write_video(path: Path, frames: int = FRAMES) -> Path:
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"MJPG"), FPS, (WIDTH, HEIGHT))
    assert writer.isOpened()
    for i in range(frames):
        writer.write(render(i))
    writer.release()
    return path


@pytest.fixture(scope="module")
def scene_video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_video(tmp_path_factory.mktemp("video") / "scene.avi")


class FakeDetector:
    """Finds saturated colour rectangles (the plates); counts calls that found nothing."""

    def __init__(self, on_call: Callable[[], None] = lambda: None) -> None:
        self.calls = 0
        self.empty_calls = 0
        self.on_call = on_call

    def detect(self, image: Image) -> list[Detection]:
        self.calls += 1
        self.on_call()
        hi, lo = image.max(axis=2), image.min(axis=2)
        mask = ((hi > 180) & (lo < 90)).astype(np.uint8)
        count, _, boxes, _ = cv2.connectedComponentsWithStats(mask)
        found = [
            Detection(box=(int(x), int(y), int(x + w), int(y + h)), confidence=0.9)
            for x, y, w, h, area in boxes[1:count]
            if area >= 40
        ]
        if not found:
            self.empty_calls += 1
        return found


class FakeEngine:
    """Reads a plate by its colour; every third read gets its first character wrong."""

    def __init__(self, detector: FakeDetector) -> None:
        self.detector = detector
        self.settings = RecognitionSettings.model_validate({})
        self.reads = 0

    def read_detections(
        self, image: Image, detections: Sequence[Detection], source: str
    ) -> list[PlateRead]:
        out = []
        for d in detections:
            x1, y1, x2, y2 = d.box
            colour = image[y1:y2, x1:x2].reshape(-1, 3).mean(axis=0)
            plate = min(PLATES, key=lambda p: float(np.linalg.norm(colour - PLATES[p])))
            self.reads += 1
            confidence = 0.9
            if self.reads % 3 == 0:
                plate, confidence = "8" + plate[1:], 0.6
            out.append(
                PlateRead(
                    source=source,
                    plate=plate,
                    raw_text=plate,
                    confidence=confidence,
                    char_confidences=(confidence,) * len(plate),
                    alternatives=(),
                    box=d.box,
                    polygon=(),
                    detection_confidence=d.confidence,
                    region=None,
                    region_confidence=0.0,
                    crop_jpeg=b"jpeg",
                )
            )
        return out


def settings(**overrides: object) -> VideoSettings:
    values: dict[str, object] = {
        "max_fps": 10.0,
        "track_timeout_s": 0.5,
        "reconnect_delay_s": 0.01,
        "stream_timeout_s": 5.0,
    }
    return VideoSettings.model_validate(values | overrides)


def test_each_vehicle_is_read_once_and_still_frames_skip_the_detector(scene_video: Path) -> None:
    detector = FakeDetector()
    stats = VideoStats()
    reads = list(read_video(FakeEngine(detector), str(scene_video), settings(), stats=stats))

    assert [r.plate for r in reads] == ["AAA111", "BBB222", "CCC333"]
    assert stats.frames_decoded == FRAMES
    assert stats.frames_sampled == pytest.approx(FRAMES / 3, abs=2)  # max_fps 10 of 30
    # About a third of the samples show an empty street or B waiting: the detector skips them.
    # It saw no plate only at the start and twice per departure (the car's tail, then the
    # street once empty), never through the still stretches.
    assert detector.calls == stats.frames_detected
    assert stats.frames_still >= 25
    assert detector.empty_calls <= 1 + 2 * 2
    for read in reads:
        assert read.frames_seen >= 3  # several frames were fused (the misreads outvoted)
        assert read.frame_index is not None and read.timestamp_s is not None
        assert read.timestamp_s == pytest.approx(read.frame_index / FPS)
        assert read.source == str(scene_video)
    parked = reads[1]
    assert parked.timestamp_s is not None and 3.2 < parked.timestamp_s < 6.0


def test_without_the_motion_gate_every_sample_is_detected(scene_video: Path) -> None:
    detector = FakeDetector()
    stats = VideoStats()
    reads = list(
        read_video(
            FakeEngine(detector), str(scene_video), settings(motion_threshold=0.0), stats=stats
        )
    )
    assert [r.plate for r in reads] == ["AAA111", "BBB222", "CCC333"]
    assert stats.frames_still == 0 and detector.calls == stats.frames_sampled


def test_realtime_drops_the_frames_a_slow_detector_cannot_keep_up_with(scene_video: Path) -> None:
    now = [0.0]

    def clock() -> float:
        return now[0]

    def slow_detection() -> None:
        now[0] += 0.2  # 200 ms a frame: five frames a second at most

    stats = VideoStats()
    engine = FakeEngine(FakeDetector(on_call=slow_detection))
    reads = list(
        read_video(
            engine,
            str(scene_video),
            settings(max_fps=30.0, realtime=True),
            stats=stats,
            clock=clock,
        )
    )
    assert [r.plate for r in reads] == ["AAA111", "BBB222", "CCC333"]
    assert stats.frames_decoded == FRAMES
    # The detection time of the whole video fits in the video's duration (plus one frame)...
    assert stats.frames_detected * 0.2 <= FRAMES / FPS + 0.2
    # ...because the ~6 frames that went by during each 200 ms detection were dropped (with
    # realtime off, max_fps 30 samples all of them).
    assert FRAMES - stats.frames_sampled >= 3 * stats.frames_detected


def test_motion_gate_ignores_noise_and_sees_a_car() -> None:
    gate = MotionGate(threshold=0.004)
    still = render(0)
    gate.remember(gate.shrink(still))
    noisy = np.clip(still + np.random.default_rng(1).normal(0, 3, still.shape), 0, 255)
    assert not gate.moved(gate.shrink(noisy.astype(np.uint8)))
    assert gate.moved(gate.shrink(render(40)))


def test_a_box_inside_a_larger_one_is_part_of_the_same_plate() -> None:
    whole = Detection(box=(532, 627, 656, 691), confidence=0.89)
    tail = Detection(box=(600, 628, 656, 691), confidence=0.89)  # seen from the real detector
    beside = Detection(box=(700, 627, 824, 691), confidence=0.7)
    assert _drop_nested([tail, whole, beside]) == [whole, beside]
    twin = Detection(box=(534, 627, 658, 691), confidence=0.5)  # overlapping, not inside
    assert _drop_nested([whole, twin]) == [whole, twin]


def test_plates_cut_by_the_frame_edge_are_left_for_a_later_frame() -> None:
    assert _cut_by_edge((0, 100, 40, 120), 320, 180)
    assert _cut_by_edge((280, 100, 320, 120), 320, 180)
    assert not _cut_by_edge((10, 100, 50, 120), 320, 180)


def test_live_sources_are_urls_and_camera_indexes() -> None:
    assert is_live("rtsp://cam.local/stream") and is_live("HTTPS://x/mjpg") and is_live("0")
    assert not is_live("/videos/gate.mp4") and not is_live("clip.avi")


def test_a_missing_file_is_an_unreadable_source(tmp_path: Path) -> None:
    missing = tmp_path / "nope.mp4"
    with pytest.raises(UnreadableSource, match="no such video file") as err:
        next(read_video(FakeEngine(FakeDetector()), str(missing), settings()))
    assert err.value.source == str(missing) and str(err.value).startswith(str(missing))


def test_a_file_that_is_not_a_video_is_an_unreadable_source(tmp_path: Path) -> None:
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(b"this is not a video\n" * 100)
    with pytest.raises(UnreadableSource, match="cannot open the video") as err:
        list(read_video(FakeEngine(FakeDetector()), str(junk), settings()))
    assert err.value.source == str(junk)


def test_an_unreachable_stream_is_an_unreadable_source() -> None:
    url = "rtsp://127.0.0.1:9/nothing"  # the discard port: refused at once
    with pytest.raises(UnreadableSource, match="cannot open the stream") as err:
        list(read_video(FakeEngine(FakeDetector()), url, settings(stream_timeout_s=2.0)))
    assert err.value.source == url


def test_a_truncated_file_yields_what_it_has_and_says_so(
    scene_video: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    cut = tmp_path / "cut.avi"
    data = scene_video.read_bytes()
    cut.write_bytes(data[: len(data) * 55 // 100])  # ends while B waits mid-frame
    with caplog.at_level(logging.WARNING, logger="plateward.recognition.video"):
        reads = list(read_video(FakeEngine(FakeDetector()), str(cut), settings()))
    assert [r.plate for r in reads] == ["AAA111", "BBB222"]
    messages = [r.getMessage() for r in caplog.records]
    assert any(m.startswith(str(cut)) and "truncated" in m for m in messages), messages


class FakeStream:
    """A live camera: serves frames at their real-time pace, then drops (grab fails)."""

    def __init__(self, frames: Sequence[Image], fps: float = FPS, opened: bool = True) -> None:
        self.frames = list(frames)
        self.fps = fps
        self.opened = opened
        self.position = -1
        self.started: float | None = None
        self.released = False

    def isOpened(self) -> bool:
        return self.opened

    def grab(self) -> bool:
        if not self.opened or self.position + 1 >= len(self.frames):
            return False
        if self.started is None:
            self.started = time.monotonic()
        self.position += 1
        delay = self.started + self.position / self.fps - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        return True

    def retrieve(self) -> tuple[bool, Image | None]:
        return True, self.frames[self.position].copy()

    def get(self, prop_id: int) -> float:
        return self.fps if prop_id == cv2.CAP_PROP_FPS else 0.0

    def release(self) -> None:
        self.released = True


class Opener:
    def __init__(self, streams: Sequence[FakeStream]) -> None:
        self.streams = list(streams)
        self.calls: list[str] = []

    def __call__(self, source: str, timeout_s: float) -> Capture:
        self.calls.append(source)
        return self.streams.pop(0) if self.streams else FakeStream([], opened=False)


def collect(reads: Iterator[PlateRead], into: list[PlateRead]) -> None:
    """Keep what was yielded before the iterator raised."""
    for read in reads:
        into.append(read)  # noqa: PERF402 - list(reads) would lose them


def test_a_dropped_stream_is_reopened_then_given_up_with_a_clear_error() -> None:
    frames = [render(i) for i in range(FRAMES)]
    # 60 fps keeps the test short; the stream drops once after 120 frames and comes back.
    first, second = FakeStream(frames[:120], fps=60), FakeStream(frames[120:], fps=60)
    opener = Opener([first, second])
    source = "rtsp://camera.test/gate"
    stats = VideoStats()
    reads: list[PlateRead] = []
    with pytest.raises(UnreadableSource) as err:
        collect(
            read_video(
                FakeEngine(FakeDetector()),
                source,
                settings(max_fps=30.0, reconnect_attempts=2),
                stats=stats,
                opener=opener,
            ),
            reads,
        )
    assert [r.plate for r in reads] == ["AAA111", "BBB222", "CCC333"]
    assert err.value.source == source
    assert str(err.value) == (
        f"{source}: stream dropped after frame {FRAMES - 1}; gave up after 2 reconnect attempts"
    )
    # Opened, reopened (it came back, but not for long enough to count as recovered), then
    # one more failed try: two attempts in a row.
    assert opener.calls == [source] * 3
    assert stats.reconnects == 2 and stats.frames_decoded == FRAMES
    assert first.released and second.released


@pytest.mark.parametrize(("steady_s", "opened"), [(0.2, 4), (60.0, 2)])
def test_a_stream_that_recovers_gets_its_reconnect_attempts_back(
    monkeypatch: pytest.MonkeyPatch, steady_s: float, opened: int
) -> None:
    monkeypatch.setattr("plateward.recognition.video.STEADY_STREAM_S", steady_s)
    frames = [render(0)] * 30
    # Three runs of half a second each, dropping after each; one attempt allowed in a row.
    opener = Opener([FakeStream(frames, fps=60) for _ in range(3)])
    with pytest.raises(UnreadableSource, match="gave up after 1 reconnect attempts"):
        list(
            read_video(
                FakeEngine(FakeDetector()),
                "rtsp://camera.test/gate",
                settings(reconnect_attempts=1),
                opener=opener,
            )
        )
    assert len(opener.calls) == opened


def test_a_stream_that_never_sends_a_frame_fails_after_its_attempts() -> None:
    opener = Opener([FakeStream([])])
    with pytest.raises(UnreadableSource, match="sent no frame; gave up after 1 reconnect attempts"):
        list(
            read_video(
                FakeEngine(FakeDetector()),
                "http://camera.test/mjpg",
                settings(reconnect_attempts=1),
                opener=opener,
            )
        )
    assert len(opener.calls) == 2


def test_a_live_stream_drops_its_backlog_when_the_detector_is_slow() -> None:
    frames = [render(i) for i in range(FRAMES)]
    stream = FakeStream(frames, fps=60)
    stats = VideoStats()
    engine = FakeEngine(FakeDetector(on_call=lambda: time.sleep(0.03)))
    reads: list[PlateRead] = []
    started = time.monotonic()
    with pytest.raises(UnreadableSource):
        collect(
            read_video(
                engine,
                "rtsp://camera.test/gate",
                settings(max_fps=60.0, reconnect_attempts=0),
                stats=stats,
                opener=Opener([stream]),
            ),
            reads,
        )
    elapsed_s = time.monotonic() - started
    assert stats.frames_decoded == FRAMES
    assert stats.frames_sampled < FRAMES * 0.8  # frames went by while the detector worked
    assert elapsed_s < FRAMES / 60 + 2.0  # it kept up with the camera (slack: a busy CI box)
    assert sorted(r.plate for r in reads) == ["AAA111", "BBB222", "CCC333"]


@pytest.fixture(scope="module")
def engine() -> PlateEngine:
    from plateward.recognition.engine import Engine

    return Engine.from_settings(RecognitionSettings.model_validate({}))


@pytest.mark.slow
@pytest.mark.shared_data
def test_the_real_engine_reads_a_car_passing_once(
    shared_data: Path, engine: PlateEngine, tmp_path: Path
) -> None:
    """A dev image's car (plate 5EZP631, 720p) crosses a 720p street in 1.5 s."""
    image = cv2.imread(str(shared_data / "openalpr-dev" / "us" / "wts-lg-000078.jpg"))
    assert image is not None
    x, y, w, h = 544, 376, 92, 46  # its label
    patch = image[y - 3 * h : y + 3 * h, x - 2 * w : x + 3 * w]
    width, height, passing = 1280, 720, 45
    path = tmp_path / "pass.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"MJPG"), FPS, (width, height))
    for i in range(10 + passing + 40):  # still, passing, still
        frame = np.full((height, width, 3), 110, np.uint8)
        left = -patch.shape[1] + (i - 10) * (width + patch.shape[1]) // passing
        if 0 <= i - 10 < passing:
            x0, x1 = max(0, left), min(width, left + patch.shape[1])
            if x0 < x1:
                frame[200 : 200 + patch.shape[0], x0:x1] = patch[:, x0 - left : x1 - left]
        writer.write(frame)
    writer.release()

    stats = VideoStats()
    reads = list(read_video(engine, str(path), settings(max_fps=2.0), stats=stats))
    assert [r.plate for r in reads] == ["5EZP631"]
    assert reads[0].frames_seen >= 2 and reads[0].crop_jpeg.startswith(b"\xff\xd8")
    assert stats.frames_still >= 2  # the empty street after it left is not detected again
