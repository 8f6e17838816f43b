"""Follow plates from one processed frame to the next, so each vehicle pass is read once.

The detector runs only a few times a second (it is the slow part), so between two processed
frames a car crossing the view moves several plate widths: box overlap alone cannot link its
detections. A track therefore predicts where its plate went from its own speed, links the
nearest detection of a similar size within a distance that grows with the time elapsed, and
prefers detections whose text resembles what it has read so far. Greedy matching (best pair
first) is enough for the handful of plates one camera sees at once.

A track closes when it has gone ``timeout_s`` without a hit and the latest processed frame
missed it: a pipeline too busy to look for longer than the timeout (a loaded CPU on a live
stream) must not split one pass into two reads. ``hold`` keeps the plates seen in
the last processed frame alive while the scene is still (the motion gate skipped the detector),
so a car waiting at a barrier stays one pass instead of timing out and being read again.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from plateward.recognition.fusion import similarity
from plateward.recognition.types import Box, Detection, PlateRead

MAX_SPEED_WIDTHS_PER_S = 15.0
"""Fastest a plate is assumed to cross the image, in its own widths per second: a car crossing
a 1080p view in about a second. Bounds the search for a track that has no speed yet."""
PREDICTION_SLACK_WIDTHS = 1.5
"""How far (plate widths) a detection may land from where a moving track predicted it."""
ACCELERATION_WIDTHS_PER_S = 4.0
"""Extra slack per second since the last hit, for cars that speed up, brake or turn."""
MAX_SIZE_RATIO = 2.0
"""A plate does not change width by more than this between two processed frames."""
DIFFERENT_TEXT = 0.34
"""Text similarity below which two reads are taken for different plates unless boxes overlap."""
SAME_TEXT = 0.75
"""Text similarity from which a read is taken for the track's plate, doubling the reach."""
SAME_PLACE_IOU = 0.5
"""Overlap at which a detection belongs to the track whatever it was read as."""


@dataclass(frozen=True)
class Observation:
    """One detection of a tracked plate, with its read when the reader found text."""

    time_s: float
    frame_index: int
    detection: Detection
    read: PlateRead | None


@dataclass
class Track:
    id: int
    observations: list[Observation] = field(default_factory=list)
    last_seen_s: float = 0.0
    velocity_px_per_s: tuple[float, float] = (0.0, 0.0)

    @property
    def last(self) -> Observation:
        return self.observations[-1]

    @property
    def reads(self) -> list[PlateRead]:
        return [o.read for o in self.observations if o.read is not None]

    @property
    def plate(self) -> str | None:
        """The text of its most confident read so far, to compare new reads with."""
        reads = self.reads
        if not reads:
            return None
        return max(reads, key=lambda r: (r.confidence, r.plate)).plate

    def predicted_centre(self, time_s: float) -> tuple[float, float]:
        cx, cy = centre(self.last.detection.box)
        dt = time_s - self.last.time_s
        return cx + self.velocity_px_per_s[0] * dt, cy + self.velocity_px_per_s[1] * dt

    def has_speed(self) -> bool:
        return len(self.observations) >= 2


class Tracker:
    def __init__(self, timeout_s: float) -> None:
        self.timeout_s = timeout_s
        self._tracks: list[Track] = []
        self._next_id = 1
        self._last_update_s: float | None = None

    @property
    def tracks(self) -> list[Track]:
        return list(self._tracks)

    def update(
        self,
        time_s: float,
        frame_index: int,
        detections: Sequence[tuple[Detection, PlateRead | None]],
    ) -> list[Track]:
        """Link one processed frame's detections to tracks; returns the tracks that closed."""
        pairs: list[tuple[float, int, int]] = []
        for ti, track in enumerate(self._tracks):
            for di, (detection, read) in enumerate(detections):
                score = match_score(track, detection, read, time_s)
                if score is not None:
                    pairs.append((score, ti, di))
        pairs.sort(key=lambda p: (-p[0], p[1], p[2]))
        used_tracks: set[int] = set()
        used_detections: set[int] = set()
        for _, ti, di in pairs:
            if ti in used_tracks or di in used_detections:
                continue
            used_tracks.add(ti)
            used_detections.add(di)
            self._hit(self._tracks[ti], Observation(time_s, frame_index, *detections[di]))
        for di, (detection, read) in enumerate(detections):
            if di not in used_detections:
                track = Track(id=self._next_id)
                self._next_id += 1
                self._tracks.append(track)
                self._hit(track, Observation(time_s, frame_index, detection, read))
        self._last_update_s = time_s
        # Only now: a track closes after the detector looked and missed it, never merely
        # because the pipeline was too busy to look for longer than the timeout.
        return self.expire(time_s)

    def hold(self, time_s: float) -> list[Track]:
        """Nothing moved since the last update: its plates are still there, and still."""
        for track in self._tracks:
            if track.last.time_s == self._last_update_s:
                track.last_seen_s = time_s
                track.velocity_px_per_s = (0.0, 0.0)
        return self.expire(time_s)

    def expire(self, time_s: float) -> list[Track]:
        """Close (remove and return) the tracks unseen for longer than the timeout."""
        closed = [t for t in self._tracks if time_s - t.last_seen_s > self.timeout_s]
        self._tracks = [t for t in self._tracks if t not in closed]
        return closed

    def close_all(self) -> list[Track]:
        closed, self._tracks = self._tracks, []
        return closed

    @staticmethod
    def _hit(track: Track, observation: Observation) -> None:
        if track.observations:
            previous = track.last
            dt = observation.time_s - previous.time_s
            if dt > 0:
                (px, py), (cx, cy) = (
                    centre(previous.detection.box),
                    centre(observation.detection.box),
                )
                measured = ((cx - px) / dt, (cy - py) / dt)
                if len(track.observations) == 1:
                    track.velocity_px_per_s = measured
                else:  # smooth: one jittery box should not throw the prediction off
                    vx, vy = track.velocity_px_per_s
                    track.velocity_px_per_s = ((vx + measured[0]) / 2, (vy + measured[1]) / 2)
        track.observations.append(observation)
        track.last_seen_s = max(track.last_seen_s, observation.time_s)


def match_score(
    track: Track, detection: Detection, read: PlateRead | None, time_s: float
) -> float | None:
    """How well a detection continues a track (higher is better), or None if it cannot."""
    previous = track.last.detection.box
    width_prev, width_now = box_width(previous), box_width(detection.box)
    if max(width_prev, width_now) > MAX_SIZE_RATIO * max(1, min(width_prev, width_now)):
        return None
    dt = max(0.0, time_s - track.last.time_s)
    predicted = track.predicted_centre(time_s)
    shift = predicted[0] - centre(previous)[0], predicted[1] - centre(previous)[1]
    overlap = iou(_moved(previous, shift), detection.box)
    distance = math.dist(predicted, centre(detection.box)) / max(width_prev, width_now, 1)
    if track.has_speed():
        gate = PREDICTION_SLACK_WIDTHS + ACCELERATION_WIDTHS_PER_S * dt
    else:
        gate = 1.0 + MAX_SPEED_WIDTHS_PER_S * dt
    text = None
    known = track.plate
    if read is not None and known is not None:
        text = similarity(read.plate, known)
    if text is not None and text >= SAME_TEXT:
        gate *= 2.0  # the same plate read again: distance matters less
    if overlap < SAME_PLACE_IOU:
        if distance > gate:
            return None
        if text is not None and text < DIFFERENT_TEXT:
            return None
    return overlap + (1.0 - min(distance / gate, 1.0)) + (text if text is not None else 0.5)


def centre(box: Box) -> tuple[float, float]:
    x1, y1, x2, y2 = box
    return (x1 + x2) / 2, (y1 + y2) / 2


def box_width(box: Box) -> int:
    return box[2] - box[0]


def iou(a: Box, b: Box) -> float:
    ix = max(0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def _moved(box: Box, shift: tuple[float, float]) -> Box:
    dx, dy = round(shift[0]), round(shift[1])
    return box[0] + dx, box[1] + dy, box[2] + dx, box[3] + dy
