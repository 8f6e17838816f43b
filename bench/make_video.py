"""Generate a 1080p 30 fps test video of vehicles passing a fixed camera, with its ground truth.

There is no licensed traffic video in the dev data, so this builds one from the labeled still
images: each "vehicle" is the region around a labeled US plate, cut from a dev image at the
scale it would have in a 1080p frame, that slides across a static synthetic street. Between
passes the scene is empty and still (the motion gate must skip those frames), one vehicle stops
for a few seconds mid-frame (as at a barrier gate; it must still be read only once), and two
vehicles cross at the same time in different lanes (the tracker must keep them apart).

The ground truth (one entry per pass: plate, source image, first and last frame the whole plate
is in view) is written beside the video as JSON. The video is a bench artefact: write it outside
the repository (e.g. /tmp/plateward-demo.mp4) and never commit it.

    python bench/make_video.py /tmp/plateward-demo.mp4 [--vehicles 8] [--seed 7]
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import cv2
import numpy as np
import numpy.typing as npt

Frame = npt.NDArray[np.uint8]

DEFAULT_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
PATCH_PLATE_WIDTHS = 5.0
"""The vehicle patch is this many plate widths wide: enough car around the plate for context."""
PATCH_PLATE_HEIGHTS = 6.0


@dataclass(frozen=True)
class Vehicle:
    plate: str
    image: str
    patch: Frame
    plate_box: tuple[int, int, int, int]
    """x, y, w, h of the plate inside the patch."""


@dataclass(frozen=True)
class Pass:
    """One vehicle crossing the frame: where and when, and where it stops if it does."""

    vehicle: Vehicle
    start_frame: int
    lane_y: int
    """Top of the patch, in frame pixels."""
    speed_px_per_frame: float
    left_to_right: bool
    stop_frames: int = 0
    """Frames spent standing still with the plate at the frame's centre."""

    def x_at(self, frame: int, width: int) -> float | None:
        """Left edge of the patch at ``frame``, or None while it is out of the frame."""
        pw = self.vehicle.patch.shape[1]
        travel = width + pw
        centre_at = (width - pw) / 2 + pw
        t = frame - self.start_frame
        if t < 0:
            return None
        run_to_centre = centre_at / self.speed_px_per_frame
        if self.stop_frames and t > run_to_centre:
            t = max(run_to_centre, t - self.stop_frames)
        d = t * self.speed_px_per_frame
        if d > travel:
            return None
        return d - pw if self.left_to_right else width - d

    def end_frame(self, width: int) -> int:
        pw = self.vehicle.patch.shape[1]
        return self.start_frame + int((width + pw) / self.speed_px_per_frame) + self.stop_frames + 1


def load_vehicles(data: Path, count: int, rng: random.Random, frame_h: int) -> list[Vehicle]:
    """Cut ``count`` vehicle patches from randomly chosen landscape US dev images."""
    folder = data / "openalpr-dev"
    with (folder / "labels.csv").open(newline="") as f:
        rows = [
            r
            for r in csv.DictReader(f)
            if r["region"] == "us" and int(r["img_w"]) >= int(r["img_h"]) and r["plate"] != "0"
        ]
    rows.sort(key=lambda r: r["image"])
    vehicles: list[Vehicle] = []
    for row in rng.sample(rows, count):
        image = cv2.imread(str(folder / "us" / row["image"]))
        if image is None:
            raise SystemExit(f"{row['image']}: cannot read dev image")
        x, y, w, h = (int(row[k]) for k in ("x", "y", "w", "h"))
        pw, ph = int(w * PATCH_PLATE_WIDTHS), int(h * PATCH_PLATE_HEIGHTS)
        x0 = max(0, x + w // 2 - pw // 2)
        y0 = max(0, y + h // 2 - int(ph * 0.6))
        x1, y1 = min(image.shape[1], x0 + pw), min(image.shape[0], y0 + ph)
        patch = image[y0:y1, x0:x1]
        scale = frame_h / image.shape[0]
        patch = cast(
            Frame, cv2.resize(patch, None, fx=scale, fy=scale, interpolation=cv2.INTER_LINEAR)
        )
        box = (round((x - x0) * scale), round((y - y0) * scale), round(w * scale), round(h * scale))
        vehicles.append(Vehicle(row["plate"], row["image"], patch, box))
    return vehicles


def background(width: int, height: int) -> Frame:
    """A static street: sky gradient, buildings, a road with lane marks (no text, no plates)."""
    frame = np.zeros((height, width, 3), np.uint8)
    sky = np.linspace(200, 140, height // 3, dtype=np.float32)
    frame[: height // 3] = sky[:, None, None].astype(np.uint8)
    rng = np.random.default_rng(0)
    x = 0
    while x < width:
        bw = int(rng.integers(120, 320))
        top = int(rng.integers(height // 8, height // 3))
        tone = tuple(int(v) for v in rng.integers(60, 170, 3))
        cv2.rectangle(frame, (x, top), (x + bw, height // 3 + 40), tone, -1)
        x += bw + int(rng.integers(5, 40))
    frame[height // 3 + 40 :] = (75, 78, 80)
    for y in (height // 2, height * 3 // 4):
        for xs in range(0, width, 160):
            cv2.rectangle(frame, (xs, y), (xs + 80, y + 8), (210, 210, 210), -1)
    return cast(Frame, cv2.GaussianBlur(frame, (5, 5), 0))


def paste(frame: Frame, patch: Frame, x: int, y: int) -> None:
    h, w = patch.shape[:2]
    fx0, fy0 = max(0, x), max(0, y)
    fx1, fy1 = min(frame.shape[1], x + w), min(frame.shape[0], y + h)
    if fx0 >= fx1 or fy0 >= fy1:
        return
    frame[fy0:fy1, fx0:fx1] = patch[fy0 - y : fy1 - y, fx0 - x : fx1 - x]


def plan(
    vehicles: list[Vehicle], width: int, height: int, fps: float, rng: random.Random
) -> list[Pass]:
    """Passes one after another with still gaps; the third stops, the fifth and sixth overlap."""
    passes: list[Pass] = []
    frame = int(2.0 * fps)
    lanes = (height // 3, height // 2 + 20)
    for i, vehicle in enumerate(vehicles):
        crossing_s = rng.uniform(2.5, 3.5)
        speed = (width + vehicle.patch.shape[1]) / (crossing_s * fps)
        lane = lanes[i % 2]
        lane_y = min(max(0, lane - vehicle.patch.shape[0] // 3), height - vehicle.patch.shape[0])
        overlap_with_previous = i == 5
        if overlap_with_previous:
            prev = passes[-1]
            frame = prev.start_frame + int(0.3 * crossing_s * fps)
        p = Pass(
            vehicle,
            frame,
            lane_y,
            speed,
            left_to_right=(i % 2 == 0),
            stop_frames=int(3.0 * fps) if i == 2 else 0,
        )
        passes.append(p)
        frame = p.end_frame(width) + int(rng.uniform(1.5, 3.0) * fps)
    return passes


def plate_in_view(p: Pass, frame: int, width: int) -> bool:
    x = p.x_at(frame, width)
    if x is None:
        return False
    bx, _, bw, _ = p.vehicle.plate_box
    return x + bx >= 0 and x + bx + bw <= width


def _in_view_span(p: Pass, width: int) -> list[int]:
    """First and last frame in which the whole plate is inside the frame."""
    frames = [f for f in range(p.start_frame, p.end_frame(width)) if plate_in_view(p, f, width)]
    return [frames[0], frames[-1]] if frames else []


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", type=Path, help="video to write (.mp4: mp4v, .avi: MJPG)")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="the shared data folder")
    parser.add_argument("--vehicles", type=int, default=8)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--width", type=int, default=1920)
    parser.add_argument("--height", type=int, default=1080)
    parser.add_argument("--fps", type=float, default=30.0)
    parser.add_argument(
        "--noise",
        type=float,
        default=2.0,
        help="sensor noise (grey levels, std) so still frames are not identical",
    )
    args = parser.parse_args(argv)

    if not (args.data / "openalpr-dev" / "labels.csv").is_file():
        print(f"{args.data}: shared data not found", file=sys.stderr)
        return 2
    rng = random.Random(args.seed)
    vehicles = load_vehicles(args.data, args.vehicles, rng, args.height)
    passes = plan(vehicles, args.width, args.height, args.fps, rng)
    n_frames = max(p.end_frame(args.width) for p in passes) + int(2.0 * args.fps)

    fourcc = "MJPG" if args.output.suffix.lower() == ".avi" else "mp4v"
    writer = cv2.VideoWriter(
        str(args.output), cv2.VideoWriter.fourcc(*fourcc), args.fps, (args.width, args.height)
    )
    if not writer.isOpened():
        print(f"{args.output}: cannot open a {fourcc} video writer", file=sys.stderr)
        return 1
    still = background(args.width, args.height)
    noise_rng = np.random.default_rng(args.seed)
    noise = (
        [noise_rng.normal(0, args.noise, still.shape).astype(np.int16) for _ in range(4)]
        if args.noise > 0
        else []
    )
    for index in range(n_frames):
        frame = still.copy()
        for p in passes:
            x = p.x_at(index, args.width)
            if x is not None:
                paste(frame, p.vehicle.patch, round(x), p.lane_y)
        if noise:
            frame = np.clip(frame.astype(np.int16) + noise[index % len(noise)], 0, 255).astype(
                np.uint8
            )
        writer.write(frame)
    writer.release()

    truth = {
        "video": str(args.output),
        "width": args.width,
        "height": args.height,
        "fps": args.fps,
        "frames": n_frames,
        "generator": f"bench/make_video.py --vehicles {args.vehicles} --seed {args.seed}",
        "passes": [
            {
                "plate": p.vehicle.plate,
                "image": p.vehicle.image,
                "start_frame": p.start_frame,
                "end_frame": p.end_frame(args.width),
                "plate_in_view": _in_view_span(p, args.width),
                "stop_frames": p.stop_frames,
                "left_to_right": p.left_to_right,
                "plate_box_in_patch": list(p.vehicle.plate_box),
            }
            for p in passes
        ],
    }
    truth_path = args.output.with_suffix(".json")
    truth_path.write_text(json.dumps(truth, indent=2))
    moving = sum(
        1 for f in range(n_frames) if any(p.x_at(f, args.width) is not None for p in passes)
    )
    print(
        f"wrote {args.output}: {n_frames} frames ({n_frames / args.fps:.1f} s), "
        f"{len(passes)} passes, {n_frames - moving} frames with no vehicle; truth in {truth_path}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
