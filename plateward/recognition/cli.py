"""What ``plateward read`` and ``plateward eval`` do; ``plateward/cli.py`` registers them.

The root app parses the arguments and loads the settings, then calls::

    read_command(paths, json_output, settings) -> exit status
    eval_command(labels, json_output, misses, settings) -> exit status

Both keep going past bad input: each failure is one ``error: <input>: <message>`` line on stderr
and makes the exit status 1; 0 means every input was read (an image without a plate is not a
failure). Models load on the first input that needs them, so a batch of missing files fails
fast. Tests replace ``load_engine`` to run the commands without the real models.
"""

from __future__ import annotations

import importlib
import json
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Column, Table
from rich.text import Text

from plateward.errors import ConfigurationError, PlatewardError, UnreadableSource
from plateward.recognition.evaluate import (
    Evaluation,
    ReadsPlates,
    evaluate,
    load_labels,
    write_misses,
)
from plateward.recognition.imageio import Source, SourceKind, iter_sources, load_image
from plateward.recognition.interfaces import Image
from plateward.recognition.types import PlateRead
from plateward.settings import RecognitionSettings, Settings

INTERRUPTED = 130
"""Exit status after Ctrl-C, as shells report a SIGINT."""

MAX_PROBLEM_LINES = 20
"""Skipped rows and images that ``eval`` lists one by one; beyond that it gives a count."""


def load_engine(settings: RecognitionSettings) -> ReadsPlates:
    """The real engine; a separate function so that tests can substitute a fake."""
    from plateward.recognition.engine import Engine

    return Engine.from_settings(settings)


class _LazyEngine:
    """Loads the models on first use, so inputs that fail before decoding cost no model load."""

    def __init__(self, settings: RecognitionSettings) -> None:
        self._settings = settings
        self._engine: ReadsPlates | None = None

    def get(self) -> ReadsPlates:
        if self._engine is None:
            self._engine = load_engine(self._settings)
        return self._engine

    def read_image(self, image: Image, source: str) -> list[PlateRead]:
        return self.get().read_image(image, source)

    def read_crop(self, crop: Image, source: str) -> PlateRead | None:
        return self.get().read_crop(crop, source)


def read_command(paths: list[str], json_output: bool, settings: Settings) -> int:
    """Read every plate in images, folders, videos and stream URLs; print reads as they come.

    With ``json_output`` each read is one JSON line (``PlateRead.to_json()``) on stdout, flushed
    at once so a pipe sees it live; otherwise one Rich table at the end, with a row for each
    image where no plate was found.
    """
    engine = _LazyEngine(settings.recognition)
    failed = False
    rows: list[tuple[str, PlateRead | None]] = []
    try:
        for raw in paths:
            sources = list(iter_sources([raw]))
            if not sources:
                _error(raw, "folder has no images or videos")
                failed = True
            for source in sources:
                found = 0
                try:
                    # A stream never ends: each read is shown as it arrives, not after.
                    for read in _read_source(engine, source, settings):
                        found += 1
                        if json_output:
                            print(json.dumps(read.to_json()), flush=True)
                        else:
                            rows.append((source.location, read))
                except ConfigurationError as exc:
                    # The models cannot load: no later input can be read either.
                    _error(None, exc.message)
                    return 1
                except PlatewardError as exc:
                    _error(source.location, exc.message)
                    failed = True
                    continue
                if found == 0 and not json_output:
                    rows.append((source.location, None))
    except KeyboardInterrupt:
        # Ctrl-C is how a live stream ends: what was read so far is still shown.
        return INTERRUPTED
    finally:
        if not json_output and rows:
            Console(soft_wrap=True).print(_reads_table(rows))
    return 1 if failed else 0


def _read_source(engine: _LazyEngine, source: Source, settings: Settings) -> Iterator[PlateRead]:
    if source.kind is SourceKind.IMAGE:
        image = load_image(
            Path(source.location),
            max_pixels=settings.recognition.max_image_pixels,
            max_file_bytes=settings.recognition.max_file_bytes,
        )
        yield from engine.get().read_image(image, source.location)
        return
    if source.kind is SourceKind.VIDEO and not Path(source.location).is_file():
        raise UnreadableSource(source.location, "file not found")
    read_video = _video_reader(source)
    yield from read_video(engine.get(), source.location, settings.video)


def _video_reader(source: Source) -> Any:
    try:
        video = importlib.import_module("plateward.recognition.video")
    except ModuleNotFoundError as exc:
        if exc.name != "plateward.recognition.video":
            raise
        raise PlatewardError(
            f"{source.location}: {source.kind.value} input is not available in this build"
        ) from None
    return video.read_video


def _reads_table(rows: Iterable[tuple[str, PlateRead | None]]) -> Table:
    # Folded, never cut: a source or plate shortened with an ellipsis would be a wrong answer.
    table = Table(
        Column("source", overflow="fold"),
        Column("plate", overflow="fold"),
        "conf.",
        "region",
        Column("box", overflow="fold"),
        Column("alternatives", overflow="fold"),
    )
    for source, read in rows:
        if read is None:
            table.add_row(Text(source), Text("no plate", style="dim"), "", "", "", "")
            continue
        alternatives = ", ".join(f"{a.plate} {a.confidence:.2f}" for a in read.alternatives[:3])
        table.add_row(
            Text(source),  # Text, not markup: a file may be named "cam[old].jpg"
            Text(read.plate, style="bold"),
            f"{read.confidence:.2f}",
            Text(read.region or ""),
            ",".join(str(v) for v in read.box),
            Text(alternatives),
        )
    return table


def eval_command(
    labels: Path,
    json_output: bool,
    misses: Path | None,
    settings: Settings,
    *,
    limit: int | None = None,
) -> int:
    """Score the engine on a labels CSV; the misses CSV is written only when ``misses`` is given.

    Status 1 when the labels cannot be used at all or when any row or image had to be skipped
    (the scores are still printed, over what could be read).
    """
    try:
        label_set = load_labels(labels)
    except PlatewardError as exc:
        _error(None, exc.message)
        return 1
    try:
        evaluation = evaluate(
            _LazyEngine(settings.recognition),
            label_set,
            max_pixels=settings.recognition.max_image_pixels,
            max_file_bytes=settings.recognition.max_file_bytes,
            limit=limit,
        )
    except PlatewardError as exc:
        _error(None, exc.message)
        return 1
    for problem in evaluation.problems[:MAX_PROBLEM_LINES]:
        _error(problem.where, problem.reason)
    if len(evaluation.problems) > MAX_PROBLEM_LINES:
        extra = len(evaluation.problems) - MAX_PROBLEM_LINES
        print(f"error: {labels}: {extra} more rows or images skipped", file=sys.stderr)
    if misses is not None:
        try:
            written = write_misses(evaluation, misses)
        except PlatewardError as exc:
            _error(None, exc.message)
            return 1
        print(f"{written} misses written to {misses}", file=sys.stderr)
    if json_output:
        print(json.dumps(evaluation.to_json()), flush=True)
    else:
        Console(soft_wrap=True).print(_score_table(evaluation))
        skipped = evaluation.problem_counts()
        if any(skipped.values()):
            print("skipped: " + ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in skipped.items()))
    return 1 if evaluation.problems else 0


def _score_table(evaluation: Evaluation) -> Table:
    table = Table(
        "region",
        "images",
        "det. recall",
        "exact",
        "CER",
        "median ms",
        "p90 ms",
        title=escape(f"{evaluation.label_set.csv_path} ({evaluation.label_set.format.value})"),
    )
    scopes: list[str | None] = [*evaluation.regions, None]
    for region in scopes:
        score = evaluation.score(region)
        table.add_row(
            region or "[bold]all[/bold]",
            str(score.images),
            _fmt(score.detection_recall, "{:.3f}"),
            _fmt(score.exact_match, "{:.3f}"),
            _fmt(score.cer, "{:.3f}"),
            _fmt(score.latency_ms_median, "{:.0f}"),
            _fmt(score.latency_ms_p90, "{:.0f}"),
        )
    return table


def _fmt(value: float | None, pattern: str) -> str:
    return "n/a" if value is None else pattern.format(value)


def _error(where: str | None, message: str) -> None:
    """One ``error:`` line; messages that already start with the input are not prefixed again."""
    if where is not None and not message.startswith(f"{where}:"):
        message = f"{where}: {message}"
    print(f"error: {message}", file=sys.stderr, flush=True)
