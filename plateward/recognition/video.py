"""Plate reads from video files and live streams: one fused read per vehicle pass.

The detector costs a few hundred milliseconds a frame on a CPU, so reading every frame of a
30 fps stream is out of reach; most frames are not needed anyway. Each frame is decoded
(``grab``, cheap: the decoder must see every frame), but only a few a second (``max_fps``) are
converted to pixels (``retrieve``) and, if a cheap motion test says anything changed since the
last frame the detector saw, detected and read. Plates are tracked across those frames and each
track's reads are fused into one read when the track closes.

Files are read in order, every sampled frame in turn, so a file gives the same reads on every
machine. Live sources (rtsp://, http(s)://, ... URLs and camera indexes such as "0") are
grabbed on a thread that always holds the newest frame, so the pipeline processes what the
camera shows now and drops the backlog instead of falling behind; a stream that drops is
reopened up to ``reconnect_attempts`` times in a row before the error is raised (an http(s)
URL is taken for a live stream too). ``realtime`` applies the same dropping to a file, to see
what a live camera would give.

Plates cut by the frame's edge are not read (the vehicle is whole in other frames), so a car
that stops with its plate half out of view is not read at all.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, cast

import cv2
import numpy as np
import numpy.typing as npt

from plateward.errors import UnreadableSource
from plateward.recognition.fusion import fuse_reads
from plateward.recognition.interfaces import Detector, Image
from plateward.recognition.tracker import Track, Tracker
from plateward.recognition.types import Box, Detection, PlateRead
from plateward.settings import RecognitionSettings, VideoSettings

log = logging.getLogger(__name__)

LIVE_SCHEMES = ("rtsp://", "rtsps://", "rtmp://", "http://", "https://", "udp://", "tcp://")
MOTION_WIDTH_PX = 160
"""Width the motion test shrinks frames to: enough to see a car, too coarse to see sensor noise."""
MOTION_PIXEL_DELTA = 20
"""Grey levels a shrunken pixel must change by to count as moved (noise and compression stay under)."""
EDGE_MARGIN_PX = 1
"""Detections this close to the frame's edge are plates cut by it (see ``_cut_by_edge``)."""
STEADY_STREAM_S = 30.0
"""A reopened stream that runs this long has recovered and gets its reconnect attempts back.
Counting them from the first drop instead would end a camera that drops once a day after a few
days; resetting them at the first frame would reopen a stream that keeps ending (a file served
over HTTP) forever."""
OPENCV_LOG_ERROR = 2
"""cv2.setLogLevel's level for errors only (the Python bindings name no constant for it)."""
NESTED_SHARE = 0.8
"""Share of a box's area inside a larger detection from which it is taken for part of it."""
MAX_FPS_FALLBACK = 1000.0
"""Frame rates above this in a file's header are taken as missing."""

Grey = npt.NDArray[np.uint8]


class PlateEngine(Protocol):
    """The part of ``Engine`` that video needs: detect, then read what was detected."""

    @property
    def detector(self) -> Detector: ...

    @property
    def settings(self) -> RecognitionSettings: ...

    def read_detections(
        self, image: Image, detections: Sequence[Detection], source: str
    ) -> list[PlateRead]: ...


class Capture(Protocol):
    """What video uses of ``cv2.VideoCapture`` (tests hand in fakes)."""

    def isOpened(self) -> bool: ...

    def grab(self) -> bool: ...

    def retrieve(self) -> tuple[bool, Image | None]: ...

    def get(self, prop_id: int) -> float: ...

    def release(self) -> None: ...


Opener = Callable[[str, float], Capture]


@dataclass
class VideoStats:
    """What happened to the frames, for benchmarks and tests."""

    frames_decoded: int = 0
    frames_sampled: int = 0
    """Converted to pixels and motion-tested (at most ``max_fps`` a second)."""
    frames_still: int = 0
    """Sampled but skipped: nothing moved since the last detected frame."""
    frames_detected: int = 0
    """Sent to the detector (and the reader, when it found plates)."""
    reconnects: int = 0


@dataclass(frozen=True)
class Frame:
    index: int
    time_s: float
    image: Image


def is_live(source: str) -> bool:
    """A stream URL or a camera index, as opposed to a file on disk."""
    return source.isdigit() or source.lower().startswith(LIVE_SCHEMES)


def open_capture(source: str, timeout_s: float) -> Capture:
    """Open with FFmpeg (files and URLs) or the default camera back-end (an index).

    FFmpeg's and OpenCV's own console warnings are kept quiet while opening: a source that
    fails becomes one UnreadableSource line, not that line after a few lines of decoder noise.
    ``OPENCV_FFMPEG_LOGLEVEL`` set in the environment still wins.
    """
    os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")
    previous_level = cv2.setLogLevel(OPENCV_LOG_ERROR)
    try:
        if source.isdigit():
            return cast(Capture, cv2.VideoCapture(int(source)))
        timeout_ms = int(timeout_s * 1000)
        params = [
            cv2.CAP_PROP_OPEN_TIMEOUT_MSEC,
            timeout_ms,
            cv2.CAP_PROP_READ_TIMEOUT_MSEC,
            timeout_ms,
        ]
        return cast(Capture, cv2.VideoCapture(source, cv2.CAP_FFMPEG, params))
    finally:
        cv2.setLogLevel(previous_level)


def read_video(
    engine: PlateEngine,
    source: str,
    settings: VideoSettings,
    *,
    stats: VideoStats | None = None,
    opener: Opener = open_capture,
    clock: Callable[[], float] = time.monotonic,
) -> Iterator[PlateRead]:
    """Yield one fused read per vehicle pass, as soon as its track closes and at the end.

    Raises UnreadableSource when the source cannot be opened or yields no frame, and when a
    live stream drops and cannot be reopened (after yielding the passes seen until then).
    A file that ends early (truncated) ends the reads with a warning in the log.
    """
    stats = stats if stats is not None else VideoStats()
    live = is_live(source)
    if not live and not Path(source).is_file():
        raise UnreadableSource(source, "no such video file")
    capture = opener(source, settings.stream_timeout_s)
    if not capture.isOpened():
        capture.release()
        what = "stream (unreachable or refused)" if live else "video (unknown format or corrupt)"
        raise UnreadableSource(source, f"cannot open the {what}")
    frames: FileFrames | LiveFrames
    if live:
        frames = LiveFrames(source, capture, settings, opener, stats)
    else:
        frames = FileFrames(source, capture, settings.realtime, clock, stats)
    try:
        yield from _passes(engine, source, settings, frames, stats)
    finally:
        frames.close()


def _passes(
    engine: PlateEngine,
    source: str,
    settings: VideoSettings,
    frames: FileFrames | LiveFrames,
    stats: VideoStats,
) -> Iterator[PlateRead]:
    tracker = Tracker(settings.track_timeout_s)
    gate = MotionGate(settings.motion_threshold)
    interval_s = 1.0 / settings.max_fps
    due_s = 0.0
    alternatives = engine.settings.alternatives
    while (frame := frames.next(due_s)) is not None:
        due_s = frame.time_s + interval_s
        stats.frames_sampled += 1
        small = gate.shrink(frame.image)
        if gate.moved(small):
            gate.remember(small)
            stats.frames_detected += 1
            started = time.perf_counter()
            found = _detect(engine, frame, source)
            log.debug(
                "%s: frame %d (%.2f s): %s in %.0f ms",
                source,
                frame.index,
                frame.time_s,
                [r.plate if r else None for _, r in found],
                1000 * (time.perf_counter() - started),
            )
            closed = tracker.update(frame.time_s, frame.index, found)
        else:
            stats.frames_still += 1
            closed = tracker.hold(frame.time_s)
        yield from _fuse(closed, alternatives)
    yield from _fuse(tracker.close_all(), alternatives)
    frames.finish()


def _detect(
    engine: PlateEngine, frame: Frame, source: str
) -> list[tuple[Detection, PlateRead | None]]:
    h, w = frame.image.shape[:2]
    found = [d for d in engine.detector.detect(frame.image) if not _cut_by_edge(d.box, w, h)]
    detections = _drop_nested(found)
    reads = engine.read_detections(frame.image, detections, source)
    by_box = {
        r.box: dataclasses.replace(r, frame_index=frame.index, timestamp_s=frame.time_s)
        for r in reads
    }
    # A weak detection is a plate only if its reading confirmed it (engine).
    return [(d, by_box.get(d.box)) for d in detections if not d.weak or d.box in by_box]


def _cut_by_edge(box: Box, width: int, height: int) -> bool:
    """A plate running off the frame: its read would be missing characters, and its box is
    too narrow to track. The same vehicle is whole in the frames before or after."""
    x1, y1, x2, y2 = box
    m = EDGE_MARGIN_PX
    return x1 <= m or y1 <= m or x2 >= width - m or y2 >= height - m


def _drop_nested(detections: Sequence[Detection]) -> list[Detection]:
    """Leave out boxes lying inside a larger one: part of the same plate (the detector sometimes
    boxes the last characters again), which would otherwise start a second track and a second,
    truncated read of the same pass. Two real plates never nest."""

    def area(box: Box) -> int:
        return max(0, box[2] - box[0]) * max(0, box[3] - box[1])

    def inside(small: Detection, large: Detection) -> bool:
        (a1, b1, a2, b2), (c1, d1, c2, d2) = small.box, large.box
        overlap = area((max(a1, c1), max(b1, d1), min(a2, c2), min(b2, d2)))
        return area(large.box) > area(small.box) and overlap >= NESTED_SHARE * area(small.box)

    return [d for d in detections if not any(inside(d, other) for other in detections)]


def _fuse(tracks: Sequence[Track], alternatives: int) -> Iterator[PlateRead]:
    for track in sorted(tracks, key=lambda t: t.observations[0].time_s):
        fused = fuse_reads(track.reads, alternatives)
        if fused is not None:
            yield fused


class MotionGate:
    """Whether anything moved since the last frame the detector saw.

    Comparing with the last *detected* frame rather than the previous sample means slow motion
    accumulates until it is seen, and a scene that changed and then went still is detected once
    in its new state.
    """

    def __init__(self, threshold: float) -> None:
        self.threshold = threshold
        self._reference: Grey | None = None

    @staticmethod
    def shrink(image: Image) -> Grey:
        h, w = image.shape[:2]
        size = (MOTION_WIDTH_PX, max(1, round(h * MOTION_WIDTH_PX / w)))
        small = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
        grey = cv2.cvtColor(small, cv2.COLOR_BGR2GRAY)
        return cast(Grey, cv2.GaussianBlur(grey, (3, 3), 0))

    def changed_share(self, small: Grey) -> float:
        """Share of pixels that changed, 1.0 before the first reference."""
        if self._reference is None or self._reference.shape != small.shape:
            return 1.0
        diff = cv2.absdiff(small, self._reference)
        return float(np.count_nonzero(diff > MOTION_PIXEL_DELTA)) / diff.size

    def moved(self, small: Grey) -> bool:
        return self.changed_share(small) >= self.threshold

    def remember(self, small: Grey) -> None:
        self._reference = small


class FileFrames:
    """A file's frames in order: the first frame due at or after a time, decoding the rest only."""

    def __init__(
        self,
        source: str,
        capture: Capture,
        realtime: bool,
        clock: Callable[[], float],
        stats: VideoStats,
    ) -> None:
        self.source = source
        self._capture = capture
        self._realtime = realtime
        self._clock = clock
        self._stats = stats
        fps = capture.get(cv2.CAP_PROP_FPS)
        self._fps = fps if 0 < fps <= MAX_FPS_FALLBACK else None
        self._expected = int(capture.get(cv2.CAP_PROP_FRAME_COUNT))
        self._index = -1
        self._started_at: float | None = None

    def _time_s(self) -> float:
        if self._fps is not None:
            return self._index / self._fps
        return self._capture.get(cv2.CAP_PROP_POS_MSEC) / 1000.0

    def next(self, due_s: float) -> Frame | None:
        half_frame_s = 0.5 / self._fps if self._fps else 0.0
        frame_s = 2 * half_frame_s
        while self._capture.grab():
            self._index += 1
            self._stats.frames_decoded += 1
            if self._started_at is None:
                self._started_at = self._clock()
            time_s = self._time_s()
            if time_s + half_frame_s < due_s:
                continue
            if self._realtime and time_s + frame_s < self._clock() - self._started_at:
                continue  # a camera would already show a newer frame: drop the backlog
            ok, image = self._capture.retrieve()
            if not ok or image is None:
                log.warning("%s: frame %d could not be decoded; stopping", self.source, self._index)
                return None
            return Frame(self._index, time_s, image)
        return None

    def finish(self) -> None:
        decoded = self._index + 1
        if decoded == 0:
            raise UnreadableSource(self.source, "no video frame could be decoded")
        if self._expected > 0 and decoded < self._expected - 1:
            log.warning(
                "%s: video ended after %d of %d frames (truncated or corrupt file)",
                self.source,
                decoded,
                self._expected,
            )

    def close(self) -> None:
        self._capture.release()


class LiveFrames:
    """A live stream grabbed on its own thread, which keeps only the newest frame.

    The thread calls ``grab`` for every frame the camera sends (so the network and decoder
    buffers never fill) and ``retrieve`` only when the pipeline asks for a frame; a grab that
    fails is answered by reopening the stream, up to ``reconnect_attempts`` times in a row.
    """

    def __init__(
        self,
        source: str,
        capture: Capture,
        settings: VideoSettings,
        opener: Opener,
        stats: VideoStats,
    ) -> None:
        self.source = source
        self._capture = capture
        self._settings = settings
        self._opener = opener
        self._stats = stats
        self._condition = threading.Condition()
        self._stop = threading.Event()
        self._wanted = False
        self._delivered: Frame | None = None
        self._error: UnreadableSource | None = None
        self._index = -1
        self._started_at = time.monotonic()
        self._thread = threading.Thread(target=self._grab_loop, name="plateward-grab", daemon=True)
        self._thread.start()

    def _grab_loop(self) -> None:
        try:
            self._grab_until_stopped()
        finally:  # released here, never while a grab may still be running
            self._capture.release()

    def _grab_until_stopped(self) -> None:
        failures = 0
        steady_since: float | None = None
        while not self._stop.is_set():
            if self._capture.grab():
                now = time.monotonic()
                steady_since = steady_since if steady_since is not None else now
                if now - steady_since >= STEADY_STREAM_S:
                    failures = 0  # it recovered: the next drop gets all its attempts again
                self._deliver_if_wanted()
                continue
            if self._stop.is_set():
                return
            steady_since = None
            failures += 1
            if failures > self._settings.reconnect_attempts:
                when = "sent no frame" if self._index < 0 else f"dropped after frame {self._index}"
                self._fail(
                    f"stream {when}; gave up after "
                    f"{self._settings.reconnect_attempts} reconnect attempts"
                )
                return
            log.warning(
                "%s: stream dropped after frame %d; reconnecting (%d of %d)",
                self.source,
                self._index,
                failures,
                self._settings.reconnect_attempts,
            )
            if self._stop.wait(self._settings.reconnect_delay_s):
                return
            self._capture.release()
            self._capture = self._opener(self.source, self._settings.stream_timeout_s)
            self._stats.reconnects += 1

    def _deliver_if_wanted(self) -> None:
        with self._condition:
            self._index += 1
            self._stats.frames_decoded += 1
            if not self._wanted:
                return
            time_s = time.monotonic() - self._started_at
            ok, image = self._capture.retrieve()
            if ok and image is not None:
                self._delivered = Frame(self._index, time_s, image)
                self._wanted = False
                self._condition.notify_all()

    def _fail(self, reason: str) -> None:
        with self._condition:
            self._error = UnreadableSource(self.source, reason)
            self._condition.notify_all()

    def next(self, due_s: float) -> Frame | None:
        """The newest frame once ``due_s`` (seconds since the stream opened) has come."""
        wait_s = due_s - (time.monotonic() - self._started_at)
        if wait_s > 0 and self._stop.wait(wait_s):
            return None
        with self._condition:
            self._wanted, self._delivered = True, None
            # Generous: a dropped stream is reopened (with delays) before it is given up on.
            patience_s = (self._settings.stream_timeout_s + self._settings.reconnect_delay_s) * (
                self._settings.reconnect_attempts + 2
            )
            self._condition.wait_for(
                lambda: self._delivered is not None or self._error is not None, patience_s
            )
            frame, self._delivered, self._wanted = self._delivered, None, False
        if frame is None and self._error is None:
            self._error = UnreadableSource(
                self.source, f"no frame for {patience_s:.0f} s after frame {self._index}"
            )
        return frame

    def finish(self) -> None:
        if self._error is not None:
            raise self._error

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=self._settings.stream_timeout_s + 1)
