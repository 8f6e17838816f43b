"""``plateward reader``: train the plate reader, export a run, look at synthetic plates.

Training needs the ``train`` extra (``pip install -e ".[train]"``: PyTorch, CPU build) and the
Debian fonts named in ``plateward/training/fonts.py``; reading plates needs neither.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from plateward.errors import ConfigurationError, PlatewardError

reader_app = typer.Typer(
    help="Train Plateward's plate reader (needs the train extra) and inspect its data.",
    no_args_is_help=True,
)

DataOption = Annotated[Path, typer.Option(help="The shared data folder with the real crops.")]
RunOption = Annotated[Path, typer.Option(help="Run folder: log, checkpoint, model.")]
StepsOption = Annotated[int, typer.Option(help="Optimizer steps (batches).")]
LrOption = Annotated[float, typer.Option(help="Peak learning rate of the one-cycle schedule.")]
ThreadsOption = Annotated[int, typer.Option(help="PyTorch threads.")]
WorkersOption = Annotated[int, typer.Option(help="Processes drawing samples.")]
FreshOption = Annotated[bool, typer.Option(help="Ignore a checkpoint in the run folder.")]


def _fail(exc: PlatewardError) -> NoReturn:
    typer.echo(f"error: {exc.message}", err=True)
    raise typer.Exit(1)


def _torch_needed() -> None:
    try:
        import torch  # noqa: F401
    except ImportError:
        _fail(
            ConfigurationError(
                "torch: not installed; training needs the train extra: "
                "pip install -e '.[train]' (PyTorch 2.13, CPU build)"
            )
        )


@reader_app.command("train")
def train_command(
    data: DataOption = Path("../shared/data"),
    out: RunOption = Path("runs/plate-reader"),
    seed: Annotated[int, typer.Option(help="Seed of the sample stream and the weights.")] = 17,
    steps: StepsOption = 1600,
    batch: Annotated[int, typer.Option(help="Samples per step.")] = 64,
    lr: LrOption = 2e-3,
    real_share: Annotated[float, typer.Option(help="Share of real crops per batch.")] = 0.3,
    threads: ThreadsOption = 2,
    workers: WorkersOption = 1,
    fresh: FreshOption = False,
    init_from: Annotated[
        Path | None,
        typer.Option(help="Start from this exported model's weights (ONNX), not random ones."),
    ] = None,
) -> None:
    """Train the reader; resumes from the run folder's checkpoint unless --fresh."""
    # Idle OpenMP threads would spin for work; on a shared machine that burns the cores the
    # sample-drawing worker and everyone else need. Set before PyTorch starts its pool.
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    _torch_needed()
    from plateward.training.train import TrainConfig, train

    config = TrainConfig(
        data=data,
        out=out,
        seed=seed,
        steps=steps,
        batch=batch,
        lr=lr,
        real_share=real_share,
        threads=threads,
        workers=workers,
        init_from=init_from,
    )
    if init_from is not None and not init_from.is_file():
        _fail(ConfigurationError(f"{init_from}: model to start from not found"))
    try:
        model = train(config, resume=not fresh)
    except PlatewardError as exc:
        _fail(exc)
    typer.echo(f"{model}")


@reader_app.command("export")
def export_command(
    checkpoint: Annotated[Path, typer.Argument(help="A run's checkpoint.pt.")],
    out: Annotated[Path, typer.Argument(help="The ONNX file to write (its .yaml beside it).")],
    data: Annotated[
        Path | None, typer.Option(help="Shared data folder, if not where the run had it.")
    ] = None,
) -> None:
    """Export a run's checkpoint (its weight average), calibrated, to ONNX and a plate config."""
    _torch_needed()
    from plateward.training.train import export_checkpoint

    if not checkpoint.is_file():
        _fail(ConfigurationError(f"{checkpoint}: checkpoint not found"))
    try:
        model, temperature, scores = export_checkpoint(checkpoint, out, data)
    except PlatewardError as exc:
        _fail(exc)
    held_out = " ".join(f"{name} {share:.3f}" for name, share in sorted(scores.items()))
    typer.echo(f"{model}: temperature {temperature:.2f}; held-out exact match: {held_out}")


@reader_app.command("tune")
def tune_command(
    data: DataOption = Path("../shared/data"),
    out: RunOption = Path("runs/plate-rec"),
    seed: Annotated[int, typer.Option(help="Seed of the sample stream.")] = 23,
    steps: StepsOption = 1500,
    batch: Annotated[int, typer.Option(help="Lines per step.")] = 16,
    lr: LrOption = 1e-4,
    real_share: Annotated[float, typer.Option(help="Share of real crops among samples.")] = 0.4,
    threads: ThreadsOption = 2,
    workers: WorkersOption = 1,
    fresh: FreshOption = False,
) -> None:
    """Fine-tune PP-OCR's recogniser on plates; resumes from the run's checkpoint unless --fresh."""
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    _torch_needed()
    from plateward.training.tune_ppocr import TuneConfig, tune

    config = TuneConfig(
        data=data,
        out=out,
        seed=seed,
        steps=steps,
        batch=batch,
        lr=lr,
        real_share=real_share,
        threads=threads,
        workers=workers,
    )
    try:
        model = tune(config, resume=not fresh)
    except PlatewardError as exc:
        _fail(exc)
    typer.echo(f"{model}")


@reader_app.command("tune-export")
def tune_export_command(
    runs: Annotated[
        list[Path],
        typer.Argument(
            help="Tuning runs' checkpoint.pt files, or recognisers they exported (.onnx);"
            " more than one: their weights averaged into one recogniser."
        ),
    ],
    out: Annotated[Path, typer.Argument(help="The ONNX file to write.")],
    data: Annotated[
        Path, typer.Option(help="The shared data folder: its held-out crops calibrate it.")
    ] = Path("../shared/data"),
) -> None:
    """Export fine-tuning runs (finished or not) as the plate recogniser, one or averaged."""
    _torch_needed()
    from plateward.training.average import export_average
    from plateward.training.crops import default_label_files

    try:
        model, temperature = export_average(runs, out, default_label_files(data))
    except PlatewardError as exc:
        _fail(exc)
    typer.echo(f"{model}: temperature {temperature:.2f}")


@reader_app.command("samples")
def samples_command(
    out: Annotated[Path, typer.Argument(help="PNG file to write.")],
    count: Annotated[int, typer.Option(help="How many plates.")] = 40,
    seed: Annotated[int, typer.Option(help="Seed of the plates.")] = 17,
) -> None:
    """Draw synthetic training plates into one PNG sheet with their labels, to look at."""
    import cv2
    import numpy as np

    from plateward.training.synth import synthetic_plate

    tiles = []
    for i in range(count):
        sample = synthetic_plate(np.random.default_rng([seed, i]))
        tile = cv2.resize(sample.image, (256, 128))
        cv2.putText(tile, sample.plate, (2, 124), cv2.FONT_HERSHEY_SIMPLEX, 0.6, (0, 0, 255), 2)
        tiles.append(tile)
    while len(tiles) % 5:
        tiles.append(np.zeros_like(tiles[0]))
    sheet = np.vstack([np.hstack(tiles[i : i + 5]) for i in range(0, len(tiles), 5)])
    if not cv2.imwrite(str(out), sheet):
        _fail(ConfigurationError(f"{out}: cannot write the sheet"))
    typer.echo(str(out))
