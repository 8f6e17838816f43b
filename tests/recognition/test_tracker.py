from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from plateward.recognition.tracker import Track, Tracker, iou
from plateward.recognition.types import Detection, PlateRead


def plate_box(cx: float, cy: float, w: int = 100) -> tuple[int, int, int, int]:
    return (round(cx - w / 2), round(cy - w / 4), round(cx + w / 2), round(cy + w / 4))


def seen(
    box: tuple[int, int, int, int], plate: str | None = "ABC123", conf: float = 0.9
) -> tuple[Detection, PlateRead | None]:
    detection = Detection(box=box, confidence=0.8)
    if plate is None:
        return detection, None
    read = PlateRead(
        source="cam",
        plate=plate,
        raw_text=plate,
        confidence=conf,
        char_confidences=(conf,) * len(plate),
        alternatives=(),
        box=box,
        polygon=(),
        detection_confidence=0.8,
        region=None,
        region_confidence=0.0,
    )
    return detection, read


def run(
    tracker: Tracker,
    frames: list[tuple[float, list[tuple[Detection, PlateRead | None]]]],
) -> list[Track]:
    closed: list[Track] = []
    for index, (time_s, detections) in enumerate(frames):
        closed += tracker.update(time_s, index, detections)
    return closed + tracker.close_all()


def test_a_fast_plate_is_one_track_although_its_boxes_never_overlap() -> None:
    # 900 px/s seen 3 times a second: 300 px (3 plate widths) between detections.
    frames = [(i / 3, [seen(plate_box(100 + 300 * i, 500))]) for i in range(6)]
    tracks = run(Tracker(timeout_s=1.5), frames)
    assert len(tracks) == 1 and len(tracks[0].observations) == 6
    assert iou(frames[0][1][0][0].box, frames[1][1][0][0].box) == 0.0


def test_two_plates_crossing_in_opposite_directions_stay_apart() -> None:
    frames = []
    for i in range(8):
        frames.append(
            (
                i / 3,
                [
                    seen(plate_box(100 + 250 * i, 400), "ABC123"),
                    seen(plate_box(1900 - 250 * i, 520), "XYZ789"),
                ],
            )
        )
    tracks = run(Tracker(timeout_s=1.5), frames)
    assert len(tracks) == 2
    for track in tracks:
        assert len({r.plate for r in track.reads}) == 1
        assert len(track.observations) == 8


def test_a_different_plate_appearing_nearby_starts_its_own_track() -> None:
    frames = [
        (0.0, [seen(plate_box(500, 500), "ABC123")]),
        (0.3, [seen(plate_box(700, 500), "KLM456")]),
    ]
    assert len(run(Tracker(timeout_s=1.5), frames)) == 2


def test_a_misread_in_the_same_place_stays_on_the_track() -> None:
    frames = [
        (0.0, [seen(plate_box(500, 500), "ABC123")]),
        (0.3, [seen(plate_box(505, 500), "KLM456")]),
    ]
    tracks = run(Tracker(timeout_s=1.5), frames)
    assert len(tracks) == 1


def test_detections_without_text_extend_a_track() -> None:
    frames = [
        (i * 0.3, [seen(plate_box(300 + 100 * i, 500), None if i % 2 else "ABC123")])
        for i in range(5)
    ]
    tracks = run(Tracker(timeout_s=1.5), frames)
    assert len(tracks) == 1 and len(tracks[0].reads) == 3


def test_a_much_larger_box_is_another_plate() -> None:
    frames = [
        (0.0, [seen(plate_box(500, 500, w=60), None)]),
        (0.3, [seen(plate_box(520, 500, w=200), None)]),
    ]
    assert len(run(Tracker(timeout_s=1.5), frames)) == 2


def test_a_track_closes_only_after_the_timeout() -> None:
    tracker = Tracker(timeout_s=1.5)
    assert tracker.update(0.0, 0, [seen(plate_box(500, 500))]) == []
    assert tracker.update(1.4, 42, []) == []
    closed = tracker.update(1.6, 48, [])
    assert len(closed) == 1 and closed[0].reads[0].plate == "ABC123"
    assert tracker.tracks == []


def test_a_pipeline_slower_than_the_timeout_does_not_split_a_pass() -> None:
    tracker = Tracker(timeout_s=1.0)
    tracker.update(0.0, 0, [seen(plate_box(500, 500))])
    # The next look comes 2 s later (a busy CPU): the plate is still there, a bit further on.
    assert tracker.update(2.0, 60, [seen(plate_box(700, 500))]) == []
    assert len(tracker.tracks) == 1 and len(tracker.tracks[0].observations) == 2


def test_hold_keeps_a_still_plate_open_and_lets_a_departed_one_close() -> None:
    tracker = Tracker(timeout_s=1.0)
    tracker.update(
        0.0, 0, [seen(plate_box(500, 500), "PARKED1"), seen(plate_box(1500, 300), "GONE22")]
    )
    tracker.update(0.5, 15, [seen(plate_box(500, 500), "PARKED1")])  # GONE22 left
    for t in (1.0, 2.0, 3.0, 4.0):
        closed = tracker.hold(t)
        assert all(track.plate == "GONE22" for track in closed)
    assert [t.plate for t in tracker.tracks] == ["PARKED1"]
    # It drives off: the detector sees it again a plate width further on, same track.
    tracker.update(4.2, 126, [seen(plate_box(600, 500), "PARKED1")])
    assert len(tracker.tracks) == 1 and len(tracker.tracks[0].observations) == 3
    assert tracker.update(5.3, 159, []) != []


@given(
    widths_per_s=st.floats(min_value=-12, max_value=12),
    vertical_widths_per_s=st.floats(min_value=-2, max_value=2),
    width=st.integers(min_value=40, max_value=250),
    rate_hz=st.sampled_from([2.0, 3.0, 5.0, 10.0]),
    read=st.booleans(),
)
def test_one_plate_at_a_steady_speed_is_always_one_track(
    widths_per_s: float, vertical_widths_per_s: float, width: int, rate_hz: float, read: bool
) -> None:
    """Up to 12 plate widths a second: a car crossing a 1080p view in about 1.3 s."""
    frames = []
    for i in range(8):
        t = i / rate_hz
        cx, cy = 960 + widths_per_s * width * t, 540 + vertical_widths_per_s * width * t
        frames.append((t, [seen(plate_box(cx, cy, w=width), "ABC123" if read else None)]))
    tracks = run(Tracker(timeout_s=1.5), frames)
    assert len(tracks) == 1
