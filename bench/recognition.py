"""Recognition benchmark: the raw components against Plateward's engine, on the dev data.

    python bench/recognition.py [--threads 2] [--limit N] [--sets us,eu,br,us-crops,ar-crops]

Reads ../shared/data (or PLATEWARD_SHARED_DATA; skips with a message when absent) and prints one
table: for each set, detection recall, exact match, character error rate and median / p90
latency per image, for

* baseline: the BASELINE.md recipe, the packages as they come: platedet's boxes at confidence
  0.3 (RGB input, as platedet's own CLI feeds it), each box read by rapidocr's recognizer
  alone, the text upper-cased and cut to A-Z0-9;
* plateward: ``Engine.from_settings(RecognitionSettings(threads=...))`` (the default reader)
  with ``plate_regions`` set to the set's region (us, eu, br, ar), as an agency configures it;
* plateward-any: the same engine with the default ``plate_regions`` (every region at once);
* plateward-nostate: the engine as plateward, without reading the state's name and other
  words on each plate (``read_state = false``), for what reading them costs and gives;
* plateward-trained: the engine reading with the plate reader trained here
  (``reader = "plateward"``, docs/recognizer.md), ``plate_regions`` set to the set's region;
* plateward-fused: the trained reader and PP-OCR fused per character
  (``reader = "plateward+rapidocr"``);
* plateward-ppocr: PP-OCR as rapidocr ships it (``reader = "rapidocr"``).

For the engine pipelines the detector's, the reader's and the word reader's own time per image
are measured too (medians), with the precision of reads at or above an alert threshold of 0.9
confidence and the character confusions that remain among misreads of the right length.

Both are scored by ``plateward.recognition.evaluate``, so the rules are the ones ``plateward
eval`` uses (O and 0 one character; the read whose box best overlaps the label, IoU >= 0.3).
Each pipeline runs in its own child process so that its model load time and peak RSS are its
own. A full run updates the recognition section of docs/benchmarks.md with the machine, the
command and the date; a ``--limit`` run does not unless ``--docs`` is given.
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import json
import os
import resource
import statistics
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

PIPELINES = (
    "baseline",
    "plateward",
    "plateward-any",
    "plateward-nostate",
    "plateward-trained",
    "plateward-fused",
    "plateward-ppocr",
)
DEFAULT_PIPELINES = PIPELINES
READERS = {
    "plateward-trained": "plateward",
    "plateward-fused": "plateward+rapidocr",
    "plateward-ppocr": "rapidocr",
}
ALERT_CONFIDENCE = 0.9
"""The confidence an agency would alert on: reads at or above it should be right."""
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


class Timed:
    """Wraps a detector or reader and keeps how long each call took (ms)."""

    def __init__(self, inner: Any, method: str) -> None:
        self.inner = inner
        self.method = method
        self.times_ms: list[float] = []

    def __getattr__(self, name: str) -> Any:
        if name != self.method:
            return getattr(self.inner, name)
        call = getattr(self.inner, name)

        def timed(*args: Any) -> Any:
            started = time.perf_counter()
            try:
                return call(*args)
            finally:
                self.times_ms.append((time.perf_counter() - started) * 1000)

        return timed


def _median(values: Sequence[float]) -> float | None:
    return round(statistics.median(values), 1) if values else None


def alert_precision(outcomes: Sequence[Any]) -> dict[str, Any]:
    """Of the reads at or above the alert confidence, how many were right, and how many."""
    sure = [o for o in outcomes if o.read and (o.confidence or 0.0) >= ALERT_CONFIDENCE]
    right = sum(o.exact for o in sure)
    return {
        "alert_reads": len(sure),
        "alert_precision": round(right / len(sure), 4) if sure else None,
        "alert_coverage": round(len(sure) / len(outcomes), 4) if outcomes else None,
    }


def confusion_pairs(outcomes: Sequence[Any]) -> dict[str, int]:
    """label char -> read char, over misreads of the label's length (O and 0 one character)."""
    pairs: collections.Counter[str] = collections.Counter()
    for o in outcomes:
        label, read = o.label.plate.replace("O", "0"), o.read.replace("O", "0")
        if o.exact or len(label) != len(read):
            continue
        for a, b in zip(label, read, strict=True):
            if a != b:
                pairs[f"{a}>{b}"] += 1
    return dict(pairs.most_common())


def run_worker(pipeline: str, threads: int, limit: int | None, sets: Sequence[str]) -> None:
    """Load one pipeline, score it on the chosen sets, print one JSON line as the last line."""
    started = time.perf_counter()
    engine: Any
    detector: Timed | None = None
    reader: Timed | None = None
    words: Timed | None = None
    if pipeline == "baseline":
        engine = BaselinePipeline(threads)
    else:
        from plateward.recognition.engine import Engine

        config: dict[str, Any] = {"threads": threads}
        if pipeline in READERS:
            config["reader"] = READERS[pipeline]
        if pipeline == "plateward-nostate":
            config["read_state"] = False
        engine = Engine.from_settings(RecognitionSettings.model_validate(config))
        detector = engine.detector = Timed(engine.detector, "detect")
        reader = engine.reader = Timed(engine.reader, "read")
        if engine.words is not None:
            words = engine.words = Timed(engine.words, "words")
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
        if pipeline != "baseline" and pipeline != "plateward-any":
            engine.settings = engine.settings.model_copy(
                update={"plate_regions": bench_set.plate_regions}
            )
        for timed in (detector, reader, words):
            if timed is not None:
                timed.times_ms.clear()
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
            "detector_ms_median": _median(detector.times_ms) if detector else None,
            "reader_ms_median": _median(reader.times_ms) if reader else None,
            "words_ms_median": _median(words.times_ms) if words else None,
            **alert_precision(evaluation.outcomes),
            "confusions": confusion_pairs(evaluation.outcomes),
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
    """The one table, as Markdown lines: a row per set and pipeline."""
    metrics = (
        ("detection_recall", "det. recall", "{:.3f}"),
        ("exact_match", "exact", "{:.3f}"),
        ("cer", "CER", "{:.3f}"),
        ("latency_ms_median", "p50 ms", "{:.0f}"),
        ("latency_ms_p90", "p90 ms", "{:.0f}"),
        ("detector_ms_median", "detector p50 ms", "{:.0f}"),
        ("reader_ms_median", "reader p50 ms", "{:.0f}"),
        ("words_ms_median", "words p50 ms", "{:.0f}"),
        ("alert_precision", "precision at >= 0.9", "{:.3f}"),
        ("alert_coverage", "share at >= 0.9", "{:.3f}"),
    )
    header = ["set", "pipeline", "n"] + [label for _, label, _ in metrics]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for name in sets:
        for pipeline, result in results.items():
            score = result.get("sets", {}).get(name)
            cells = [name, pipeline, "" if score is None else str(score["images"])]
            for key, _, pattern in metrics:
                value = None if score is None else score.get(key)
                cells.append("n/a" if value is None else pattern.format(value))
            lines.append("| " + " | ".join(cells) + " |")
    lines += ["", "| pipeline | model load s | peak RSS MB |", "|---|---|---|"]
    for pipeline, result in results.items():
        load, rss = result.get("load_s"), result.get("peak_rss_mb")
        lines.append(
            f"| {pipeline} | {'error' if load is None else f'{load:.2f}'} | "
            f"{'error' if rss is None else f'{rss:.0f}'} |"
        )
    return lines


def confusion_lines(results: dict[str, dict[str, Any]], top: int = 12) -> list[str]:
    """Per engine pipeline, the commonest label>read character swaps over every set."""
    lines = []
    for pipeline, result in results.items():
        if pipeline == "baseline" or "sets" not in result:
            continue
        total: collections.Counter[str] = collections.Counter()
        for score in result["sets"].values():
            total.update(score.get("confusions", {}))
        pairs = ", ".join(f"{pair} {n}" for pair, n in total.most_common(top)) or "none"
        lines.append(f"- {pipeline} confusions (label>read, all sets): {pairs}")
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
            "process's maximum resident memory over the whole run. Detector, reader and words p50 are",
            "their own calls' medians (the rest is cutting, choosing and encoding the crop);",
            "precision at >= 0.9 is the share of right plates among the reads with confidence",
            f"of at least {ALERT_CONFIDENCE} (an alert threshold), share at >= 0.9 how many reads",
            "that is. Confusions count label>read character swaps in misreads of the right length.",
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
        "--pipelines",
        default=",".join(DEFAULT_PIPELINES),
        help="comma-separated: " + ",".join(PIPELINES),
    )
    parser.add_argument(
        "--docs", action="store_true", help="update docs/benchmarks.md even with --limit"
    )
    parser.add_argument("--no-docs", action="store_true", help="do not touch docs/benchmarks.md")
    parser.add_argument("--json-out", help="also write every figure to this JSON file")
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
    table = results_table(results, args.sets) + [""] + confusion_lines(results)
    notes = [f"- {p} failed: {r['error']}" for p, r in results.items() if "error" in r]
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(results, indent=1))
    print("\n".join(table))
    for note in notes:
        print(note)
    if not args.no_docs and (args.limit is None or args.docs):
        update_docs(table, args, notes)
        print("updated docs/benchmarks.md")
    return 1 if notes else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
