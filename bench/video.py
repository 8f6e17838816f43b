"""Measure video throughput and per-pass accuracy on a video made by bench/make_video.py.

Runs ``read_video`` with the real engine over the video, then prints the frames decoded,
sampled, still and detected, the wall time against the video's duration, each vehicle pass
with what it was read as (and how many times), and a markdown section for docs/benchmarks.md.
A pass counts as read correctly when exactly one read falls inside its frames and it equals the
label, O and 0 taken as one character (EU labels write O for 0). For comparison, the still-image
read of the same dev image from openalpr-dev/baseline_reads.csv is shown.

    python bench/make_video.py /tmp/plateward-demo.mp4
    python bench/video.py /tmp/plateward-demo.mp4 [--max-fps 3] [--realtime]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import shlex
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # run as a script from a checkout, installed or not
    sys.path.insert(0, str(REPO))

from plateward.recognition.engine import Engine
from plateward.recognition.types import PlateRead
from plateward.recognition.video import VideoStats, read_video
from plateward.settings import RecognitionSettings, VideoSettings

DEFAULT_DATA = REPO.parent / "shared" / "data"


def same_plate(a: str, b: str) -> bool:
    return a.replace("O", "0") == b.replace("O", "0")


@dataclass
class PassResult:
    plate: str
    image: str
    start_frame: int
    end_frame: int
    baseline: str
    reads: list[PlateRead] = field(default_factory=list)

    @property
    def correct(self) -> bool:
        return len(self.reads) == 1 and same_plate(self.reads[0].plate, self.plate)


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def baseline_reads(data: Path) -> dict[str, str]:
    path = data / "openalpr-dev" / "baseline_reads.csv"
    if not path.is_file():
        return {}
    with path.open(newline="") as f:
        return {r["image"]: r["read"] for r in csv.DictReader(f) if r["set"] == "dev"}


def assign(reads: list[PlateRead], passes: list[PassResult]) -> list[PlateRead]:
    """Attach each read to the pass it came from; returns the reads of no pass (false reads)."""
    stray: list[PlateRead] = []
    for read in reads:
        frame = read.frame_index if read.frame_index is not None else -1
        during = [p for p in passes if p.start_frame <= frame <= p.end_frame]
        matching = [p for p in during if same_plate(read.plate, p.plate)]
        candidates = matching or during
        if candidates:
            candidates[0].reads.append(read)
        else:
            stray.append(read)
    return stray


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("video", type=Path)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--max-fps", type=float, default=None)
    parser.add_argument("--realtime", action="store_true", help="drop frames as a live camera")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args(argv)

    truth_path = args.video.with_suffix(".json")
    if not truth_path.is_file():
        print(
            f"{truth_path}: ground truth not found (make it with bench/make_video.py)",
            file=sys.stderr,
        )
        return 2
    truth = json.loads(truth_path.read_text())
    baseline = baseline_reads(args.data)
    passes = [
        PassResult(
            p["plate"], p["image"], p["start_frame"], p["end_frame"], baseline.get(p["image"], "?")
        )
        for p in truth["passes"]
    ]
    video_settings = VideoSettings.model_validate(
        {"realtime": args.realtime}
        | ({"max_fps": args.max_fps} if args.max_fps is not None else {})
    )

    started = time.perf_counter()
    engine = Engine.from_settings(RecognitionSettings.model_validate({"threads": args.threads}))
    load_s = time.perf_counter() - started

    stats = VideoStats()
    cpu_started = time.process_time()
    started = time.perf_counter()
    reads: list[PlateRead] = []
    for read in read_video(engine, str(args.video), video_settings, stats=stats):
        at = time.perf_counter() - started
        print(
            f"  {at:6.1f} s  frame {read.frame_index:5d}  {read.plate:<9} "
            f"conf {read.confidence:.2f}  frames fused {read.frames_seen}"
        )
        reads.append(read)
    wall_s = time.perf_counter() - started
    cpu_s = time.process_time() - cpu_started
    stray = assign(reads, passes)

    duration_s = truth["frames"] / truth["fps"]
    correct = sum(p.correct for p in passes)
    read_once = sum(len(p.reads) == 1 for p in passes)
    missed = sum(not p.reads for p in passes)
    extra = sum(max(0, len(p.reads) - 1) for p in passes) + len(stray)
    baseline_correct = sum(same_plate(p.baseline, p.plate) for p in passes)
    command = "python bench/video.py " + " ".join(shlex.quote(a) for a in (argv or sys.argv[1:]))
    rows = [
        f"| {i + 1} | {p.plate} | {', '.join(r.plate for r in p.reads) or '-'} | "
        f"{'yes' if p.correct else 'no'} | {p.baseline or '-'} |"
        for i, p in enumerate(passes)
    ]
    section = f"""## Video: 1080p 30 fps, {len(passes)} vehicle passes

Video generated from the dev images by `{truth["generator"]}` ({truth["width"]}x{truth["height"]},
{truth["fps"]:g} fps, {truth["frames"]} frames = {duration_s:.1f} s; each vehicle is the region
around a labeled US plate sliding across a synthetic street; empty still stretches between
passes, one car waits 3 s mid-frame, two cross at once).

Machine: {os.cpu_count()} CPUs ({cpu_model()}), shared with other jobs (timings are noisy).
Command: `{command}`
(max_fps {video_settings.max_fps:g}, realtime {args.realtime}, motion_threshold
{video_settings.motion_threshold:g}, track_timeout_s {video_settings.track_timeout_s:g},
{args.threads} onnxruntime threads).

| measure | value |
|---|---|
| wall time (model load {load_s:.1f} s not included) | {wall_s:.1f} s for {duration_s:.1f} s of video |
| speed | {duration_s / wall_s:.2f}x real time ({stats.frames_decoded / wall_s:.0f} fps decoded) |
| CPU time of the process (all threads) | {cpu_s:.1f} s: {duration_s / cpu_s:.2f}x real time on one free core |
| frames decoded / sampled / still (skipped) / detected | {stats.frames_decoded} / {stats.frames_sampled} / {stats.frames_still} / {stats.frames_detected} |
| passes read exactly once | {read_once} of {len(passes)} (missed {missed}, extra reads {extra}) |
| passes read correctly (once, right plate) | {correct} of {len(passes)} |
| same images read correctly as stills (baseline_reads.csv) | {baseline_correct} of {len(passes)} |

| pass | label | video read(s) | correct | still-image baseline |
|---|---|---|---|---|
{chr(10).join(rows)}
"""
    if stray:
        section += (
            "\nReads outside any pass: "
            + ", ".join(f"{r.plate} (frame {r.frame_index})" for r in stray)
            + "\n"
        )
    print()
    print(section)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
