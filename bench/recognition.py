"""Recognition benchmark: the raw components against Plateward's engine, on the dev data.

    python bench/recognition.py [--threads 2] [--limit N] [--sets us,eu,br,us-crops,ar-crops]

Reads ../shared/data (or PLATEWARD_SHARED_DATA; skips with a message when absent) and prints one
table: for each set, detection recall, exact match, character error rate and median / p90
latency per image, for

* baseline: the BASELINE.md recipe, the packages as they come: platedet's boxes at confidence
  0.3 (RGB input, as platedet's own CLI feeds it), each box read by rapidocr's recognizer
  alone, the text upper-cased and cut to A-Z0-9;
* plateward: ``Engine.from_settings(RecognitionSettings(threads=...))`` with
  ``plate_regions`` set to the set's region (us, eu, br, ar), as an agency configures it;
* plateward-any: the same engine with the default ``plate_regions`` (every region at once).

Both are scored by ``plateward.recognition.evaluate``, so the rules are the ones ``plateward
eval`` uses (O and 0 one character; the read whose box best overlaps the label, IoU >= 0.3).
Each pipeline runs in its own child process so that its model load time and peak RSS are its
own. A full run updates the recognition section of docs/benchmarks.md with the machine, the
command and the date; a ``--limit`` run does not unless ``--docs`` is given.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # run as a script from a checkout, installed or not
    sys.path.insert(0, str(REPO))

from bench.docs_section import machine_description, replace_section
from plateward.recognition.evaluate import LabelSet, evaluate, load_labels
from plateward.recognition.interfaces import Image
from plateward.recognition.types import PlateRead
from plateward.settings import RecognitionSettings

PIPELINES = ("baseline", "plateward", "plateward-any")
BASELINE_DETECTION_CONFIDENCE = 0.3


@dataclass(frozen=True)
class BenchSet:
    name: str
    labels: str
    """Relative to the shared data folder."""
    region: str | None
    """For the whole-image labels: the region kept; None for crop sets."""
    plate_regions: tuple[str, ...]
    """What an agency reading this set's plates would set ``recognition.plate_regions`` to."""


SETS = (
    BenchSet("us", "openalpr-dev/labels.csv", "us", ("us",)),
    BenchSet("eu", "openalpr-dev/labels.csv", "eu", ("eu",)),
    BenchSet("br", "openalpr-dev/labels.csv", "br", ("br",)),
    BenchSet("us-crops", "openalpr-dev/us_plate_crops/labels.csv", None, ("us",)),
    BenchSet("ar-crops", "ar-plate-crops/labels.csv", None, ("ar",)),
)


def shared_data_folder() -> Path:
    configured = os.environ.get("PLATEWARD_SHARED_DATA")
    return Path(configured) if configured else REPO.parent / "shared" / "data"


# --- the baseline, as BASELINE.md describes it ----------------------------------------------


class BaselinePipeline:
    """platedet + rapidocr's recognizer with nothing added: the numbers to beat."""

    def __init__(self, threads: int) -> None:
        import onnxruntime as ort
        from platedet import Platedet
        from rapidocr import RapidOCR

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        self.detector = Platedet(sess_options=options)
        self.reader = RapidOCR(
            params={
                "Global.use_det": False,
                "Global.use_cls": False,
                "Global.log_level": "error",
                "EngineConfig.onnxruntime.intra_op_num_threads": threads,
                "EngineConfig.onnxruntime.inter_op_num_threads": 1,
            }
        )

    def read_image(self, image: Image, source: str) -> list[PlateRead]:
        found = self.detector.inference(
            image[:, :, ::-1].copy(),  # platedet's CLI hands it RGB
            conf_threshold=BASELINE_DETECTION_CONFIDENCE,
            return_types=["boxes"],
        )
        boxes = found.get("boxes", {"boxes": [], "confidences": []})
        reads = []
        for box, det_conf in zip(boxes["boxes"], boxes["confidences"], strict=True):
            x1, y1, x2, y2 = (int(v) for v in box)
            if x2 <= x1 or y2 <= y1:
                continue
            text, conf = self._recognise(image[y1:y2, x1:x2])
            # An empty read still counts as a detection, as in baseline_reads.csv.
            reads.append(_read(source, text, conf, (x1, y1, x2, y2), float(det_conf)))
        return reads

    def read_crop(self, crop: Image, source: str) -> PlateRead | None:
        text, conf = self._recognise(crop)
        h, w = crop.shape[:2]
        return _read(source, text, conf, (0, 0, w, h), 1.0)

    def _recognise(self, crop: Image) -> tuple[str, float]:
        result = self.reader(crop, use_det=False, use_cls=False, use_rec=True)
        texts = getattr(result, "txts", None) or ("",)
        scores = getattr(result, "scores", None) or (0.0,)
        plate = "".join(c for c in texts[0].upper() if "A" <= c <= "Z" or "0" <= c <= "9")
        return plate, float(scores[0])


def _read(
    source: str, plate: str, conf: float, box: tuple[int, int, int, int], det_conf: float
) -> PlateRead:
    return PlateRead(
        source=source,
        plate=plate,
        raw_text=plate,
        confidence=conf,
        char_confidences=(),
        alternatives=(),
        box=box,
        polygon=(),
        detection_confidence=det_conf,
        region=None,
        region_confidence=0.0,
    )


# --- one pipeline, in a child process -------------------------------------------------------


def run_worker(pipeline: str, threads: int, limit: int | None, sets: Sequence[str]) -> None:
    """Load one pipeline, score it on the chosen sets, print one JSON line as the last line."""
    started = time.perf_counter()
    engine: Any
    if pipeline == "baseline":
        engine = BaselinePipeline(threads)
    else:
        from plateward.recognition.engine import Engine

        engine = Engine.from_settings(RecognitionSettings.model_validate({"threads": threads}))
    load_s = time.perf_counter() - started
    data = shared_data_folder()
    label_sets: dict[str, LabelSet] = {}
    scores: dict[str, Any] = {}
    for bench_set in SETS:
        if bench_set.name not in sets:
            continue
        if bench_set.labels not in label_sets:
            label_sets[bench_set.labels] = load_labels(data / bench_set.labels)
        regions = None if bench_set.region is None else {bench_set.region}
        if pipeline == "plateward":
            engine.settings = engine.settings.model_copy(
                update={"plate_regions": bench_set.plate_regions}
            )
        set_started = time.perf_counter()
        evaluation = evaluate(
            engine,
            label_sets[bench_set.labels],
            max_pixels=80_000_000,
            max_file_bytes=100_000_000,
            regions=regions,
            limit=limit,
        )
        scores[bench_set.name] = {
            **evaluation.score().to_json(),
            "problems": len(evaluation.problems) - len(label_sets[bench_set.labels].problems),
        }
        print(
            f"{pipeline} {bench_set.name}: {scores[bench_set.name]} "
            f"({time.perf_counter() - set_started:.0f} s)",
            file=sys.stderr,
            flush=True,
        )
    peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"load_s": load_s, "peak_rss_mb": peak_rss_mb, "sets": scores}))


def run_pipeline(pipeline: str, args: argparse.Namespace) -> dict[str, Any]:
    command = [
        sys.executable,
        __file__,
        "--worker",
        pipeline,
        "--threads",
        str(args.threads),
        "--sets",
        ",".join(args.sets),
    ]
    if args.limit is not None:
        command += ["--limit", str(args.limit)]
    done = subprocess.run(command, stdout=subprocess.PIPE, text=True, check=False)
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        return {"error": f"exit status {done.returncode} (see the messages above)"}
    result: dict[str, Any] = json.loads(lines[-1])
    return result


# --- reporting ------------------------------------------------------------------------------


def results_table(results: dict[str, dict[str, Any]], sets: Sequence[str]) -> list[str]:
    """The one table, as Markdown lines: a column group per pipeline, a row per set."""
    metrics = (
        ("detection_recall", "det. recall", "{:.3f}"),
        ("exact_match", "exact", "{:.3f}"),
        ("cer", "CER", "{:.3f}"),
        ("latency_ms_median", "p50 ms", "{:.0f}"),
        ("latency_ms_p90", "p90 ms", "{:.0f}"),
    )
    header = ["set", "n"] + [f"{p} {label}" for p in results for _, label, _ in metrics]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for name in sets:
        n = next(
            (
                r["sets"][name]["images"]
                for r in results.values()
                if "sets" in r and name in r["sets"]
            ),
            0,
        )
        cells = [name, str(n)]
        for result in results.values():
            score = result.get("sets", {}).get(name)
            for key, _, pattern in metrics:
                value = None if score is None else score.get(key)
                cells.append("n/a" if value is None else pattern.format(value))
        lines.append("| " + " | ".join(cells) + " |")
    for key, label, pattern in (
        ("load_s", "model load s", "{:.2f}"),
        ("peak_rss_mb", "peak RSS MB", "{:.0f}"),
    ):
        cells = [label, ""]
        for result in results.values():
            value = result.get(key)
            cells += ["error" if value is None else pattern.format(value)] + [""] * (
                len(metrics) - 1
            )
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def load_line(load_avg: tuple[float, float]) -> str:
    """How busy the machine was, so a reader can tell whether the latencies mean anything."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    line = f"- Load average (1 min): {load_avg[0]:.1f} at the start, {load_avg[1]:.1f} at the end"
    if max(load_avg) > (cores or 1):
        line += " (more than the CPUs: other work competed, latencies are inflated)"
    return line


def update_docs(table: list[str], args: argparse.Namespace, notes: list[str]) -> None:
    command = "python bench/recognition.py " + " ".join(args.argv)
    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    replace_section(
        "bench/recognition.py",
        [
            "## Recognition (bench/recognition.py)",
            "",
            f"- Date: {when}",
            f"- Command: `{command.strip()}`",
            f"- Machine: {machine_description()}",
            f"- Threads: {args.threads} onnxruntime intra-op threads per model",
            load_line(args.load_avg),
            "",
            *table,
            "",
            "Exact match and CER count letter O and digit 0 as one character. For whole images the",
            "read scored is the one whose box overlaps the labeled box best, with IoU >= 0.3; that",
            "overlap is also what detection recall counts. Latency is the pipeline call per image,",
            "after decoding. Load time is model loading in a fresh process; peak RSS is that",
            "process's maximum resident memory over the whole run.",
            *([""] + notes if notes else []),
        ],
    )


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2, help="onnxruntime threads per model")
    parser.add_argument("--limit", type=int, default=None, help="at most N images per set")
    parser.add_argument(
        "--sets",
        default=",".join(s.name for s in SETS),
        help="comma-separated: " + ",".join(s.name for s in SETS),
    )
    parser.add_argument(
        "--pipelines", default=",".join(PIPELINES), help="comma-separated: " + ",".join(PIPELINES)
    )
    parser.add_argument(
        "--docs", action="store_true", help="update docs/benchmarks.md even with --limit"
    )
    parser.add_argument("--no-docs", action="store_true", help="do not touch docs/benchmarks.md")
    parser.add_argument("--worker", choices=PIPELINES, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.sets = [s for s in args.sets.split(",") if s]
    unknown = set(args.sets) - {s.name for s in SETS}
    if unknown:
        parser.error(f"unknown sets: {', '.join(sorted(unknown))}")
    args.pipelines = [p for p in args.pipelines.split(",") if p]
    if set(args.pipelines) - set(PIPELINES):
        parser.error(f"pipelines are {', '.join(PIPELINES)}")
    args.argv = list(argv)
    return args


def main(argv: Sequence[str]) -> int:
    args = parse_args(argv)
    if args.worker:
        run_worker(args.worker, args.threads, args.limit, args.sets)
        return 0
    data = shared_data_folder()
    if not (data / "openalpr-dev" / "labels.csv").is_file():
        print(f"shared data not found at {data}: nothing to benchmark (skipped)")
        return 0
    load_before = os.getloadavg()[0]
    results = {p: run_pipeline(p, args) for p in args.pipelines}
    args.load_avg = (load_before, os.getloadavg()[0])
    table = results_table(results, args.sets)
    notes = [f"- {p} failed: {r['error']}" for p, r in results.items() if "error" in r]
    print("\n".join(table))
    for note in notes:
        print(note)
    if not args.no_docs and (args.limit is None or args.docs):
        update_docs(table, args, notes)
        print("updated docs/benchmarks.md")
    return 1 if notes else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
