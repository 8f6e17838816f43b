"""Fine-tune PP-OCR's text recogniser on plates: the plate reader from a strong start.

The reader trained from scratch here (``train.py``) reads 0.64 of the held-out US crops after
hours on the CPU, because drawn plates alone do not teach it real photographs. PP-OCRv6's
recogniser already reads real text in any photograph; what it lacks is plates: their fonts,
W against M and N in shadow, D against O, a symbol that is not a character. Training it
further on the same synthetic and real plate crops, each cut to the main character line
as ``RapidOcrReader`` cuts it (its ends shifted a little, ``LINE_END_SHIFT``), teaches it those
in a few thousand samples.

* The network is rapidocr's own file, run by PyTorch through ``onnx_graph`` and written back
  into the same graph, so the trained file needs nothing new to run.
* Its output is cut from PP-OCR's 18,710 characters to blank, A-Z0-9 and space (the same
  columns ``reader_rapidocr.reduce_classes`` keeps), which also drops 2.2 M of its 5.3 M
  weights. Its batch normalisations keep PP-OCR's statistics: batches of 16 lines would
  estimate them worse.
* Loss: CTC over those 38 columns. The schedule is one-cycle with a low peak (1e-4): the
  start is already good, and a high rate forgets it (the held-out crops fall first).
* The 113 US whole images stay out, as for ``train.py`` (``crops.load_crops``).

Reproducible as ``train.py`` is: sample ``i`` comes from ``default_rng([seed, i])``; a run
resumes from its checkpoint.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import onnx
import torch
from onnx import ModelProto, TensorProto, helper, numpy_helper
from torch import Tensor, nn
from torch.utils.data import DataLoader, Dataset

from plateward.errors import ConfigurationError, InvalidInput
from plateward.recognition import confusions
from plateward.recognition.interfaces import Image
from plateward.recognition.onnx_file import read_model
from plateward.recognition.reader_rapidocr import (
    PLATE_CHARS,
    REC_MIN_WIDTH_PX,
    REC_MODEL,
    LineBox,
    RapidOcrReader,
    character_columns,
    model_path,
    rec_tensor,
)
from plateward.training import crops as crops_mod
from plateward.training import fonts
from plateward.training.onnx_graph import OnnxGraph
from plateward.training.train import PlateStream, TrainConfig, _log_to

log = logging.getLogger("plateward.training")

MODEL_NAME = "plate_rec.onnx"
HALF_MIN_WEIGHTS = 1024
"""Weights of at least this many numbers are stored as float16 in the exported file."""
HALF_SUFFIX = ".float16"
"""What a weight stored as float16 adds to its name in the exported file (cast back on load)."""
DRAW_TRIES = 8
"""A sample whose line cannot be cut (two lines, wider than the input) is drawn again."""
LINE_END_SHIFT = (-0.05, 0.3)
"""Each end of a training line moves out by a share of its height drawn from this range
(in where negative; past the crop, its edge pixels repeat). The reader's line ends where the
detector's box ends when that box is tight at the plate's first or last character; tuned
only on lines with the text map's margin around them, the recogniser dropped such a first
character (docs/recognizer.md)."""


@dataclass
class TuneConfig:
    data: Path
    out: Path
    seed: int = 23
    steps: int = 1500
    batch: int = 16
    lr: float = 1e-4
    weight_decay: float = 0.01
    real_share: float = 0.4
    """Share of the samples taken from the real crops (the rest is synthetic)."""
    threads: int = 2
    workers: int = 1
    checkpoint_every: int = 100
    eval_every: int = 250
    label_files: list[Path] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["data"], out["out"] = str(self.data), str(self.out)
        out["label_files"] = [str(p) for p in self.label_files]
        return out


def plate_recogniser(source: Path) -> ModelProto:
    """rapidocr's recogniser with its output cut to blank, A-Z0-9 and space, as probabilities.

    The cut is made on the classifier under the final Softmax (a MatMul and an Add with
    stored weights); its ``character`` metadata becomes the 36 plate characters, so
    ``reader_rapidocr`` finds the same columns in it as in the original.
    """
    model = read_model(source)
    graph = model.graph
    meta = {p.key: p.value for p in model.metadata_props}
    if "character" not in meta:
        raise ConfigurationError(f"{source}: not a PP-OCR recogniser (no character list)")
    columns, n_columns = character_columns(meta["character"], source)
    keep = [0, *columns.tolist(), n_columns - 1]
    for init, axis in zip(classifier(model, source), (1, 0), strict=True):
        cut = np.ascontiguousarray(np.take(numpy_helper.to_array(init), keep, axis=axis))
        init.CopyFrom(numpy_helper.from_array(cut, init.name))
    del graph.output[0].type.tensor_type.shape.dim[:]
    helper.set_model_props(model, {**meta, "character": "\n".join(PLATE_CHARS)})
    return model


def classifier(model: ModelProto, source: Path) -> tuple[TensorProto, TensorProto]:
    """The weight and bias of the layer under the final Softmax (a MatMul, then an Add)."""
    graph = model.graph
    producers = {out: node for node in graph.node for out in node.output}
    initializers = {init.name: init for init in graph.initializer}
    softmax = producers.get(graph.output[0].name)
    node = producers.get(softmax.input[0]) if softmax is not None else None
    while node is not None and node.op_type == "Identity":
        node = producers.get(node.input[0])
    add = node
    matmul = producers.get(add.input[0]) if add is not None and add.op_type == "Add" else None
    if (
        softmax is None
        or softmax.op_type != "Softmax"
        or add is None
        or matmul is None
        or matmul.op_type != "MatMul"
        or add.input[1] not in initializers
        or matmul.input[1] not in initializers
    ):
        raise ConfigurationError(f"{source}: not the PP-OCR recogniser's classifier layout")
    return initializers[matmul.input[1]], initializers[add.input[1]]


class LineStream(Dataset[tuple[Tensor, list[int]]]):
    """Sample ``i``: ``PlateStream``'s crop ``i``, cut to its main line as the reader cuts it."""

    def __init__(self, config: TuneConfig, real: Sequence[crops_mod.LabeledCrop]) -> None:
        stream_config = TrainConfig(
            data=config.data,
            out=config.out,
            seed=config.seed,
            steps=config.steps,
            batch=config.batch,
            real_share=config.real_share,
        )
        self.plates = PlateStream(stream_config, real)
        self.size = config.steps * config.batch
        self.seed = config.seed
        self._reader: RapidOcrReader | None = None

    def __len__(self) -> int:
        return self.size

    def __getitem__(self, index: int) -> tuple[Tensor, list[int]]:
        for attempt in range(DRAW_TRIES):
            image, plate = self.plates.draw(index + attempt * self.size)
            line = self.line(image, np.random.default_rng([self.seed, index, attempt, 2]))
            if line is not None:
                return torch.from_numpy(line), [PLATE_CHARS.index(c) + 1 for c in plate]
        raise InvalidInput(f"sample {index}: no single-line plate in {DRAW_TRIES} draws")

    def line(self, image: Image, rng: np.random.Generator) -> np.ndarray | None:
        """The recogniser's input for one crop, or None for a two-line or over-wide plate."""
        if self._reader is None:  # one per worker process, made there
            self._reader = RapidOcrReader(threads=1)
        boxes = self._reader.lines(image)
        if len(boxes) > 1:
            return None
        box = boxes[0] if boxes else (0, 0, image.shape[1], image.shape[0])
        left, right = (rng.uniform(*LINE_END_SHIFT, 2) * (box[3] - box[1])).round().astype(int)
        tensor = rec_tensor(cut_line(image, box, int(left), int(right)))
        return tensor if tensor.shape[2] == REC_MIN_WIDTH_PX else None


def cut_line(image: Image, box: LineBox, left: int = 0, right: int = 0) -> Image:
    """The line ``box`` with its ends moved out by ``left`` and ``right`` pixels (in where
    negative); past the crop's edge the edge's own pixels are repeated."""
    x1, y1, x2, y2 = box
    w = image.shape[1]
    a, b = x1 - left, x2 + right
    if b - a < 2:
        a, b = x1, x2
    line = image[y1:y2, max(0, a) : min(w, b)]
    pad_left, pad_right = max(0, -a), max(0, b - w)
    if not (pad_left or pad_right):
        return line
    padded = cv2.copyMakeBorder(line, 0, 0, pad_left, pad_right, cv2.BORDER_REPLICATE)
    return np.asarray(padded, dtype=np.uint8)


def _collate(batch: Sequence[tuple[Tensor, list[int]]]) -> tuple[Tensor, Tensor, Tensor]:
    images = torch.stack([image for image, _ in batch])
    targets = torch.tensor([c for _, label in batch for c in label], dtype=torch.long)
    lengths = torch.tensor([len(label) for _, label in batch], dtype=torch.long)
    return images, targets, lengths


def greedy_text(probs: Tensor) -> str:
    """Best path of one line's (frames x 38) output: repeats merged, blanks and space dropped."""
    text, previous = [], 0
    for k in probs.argmax(-1).tolist():
        if k != previous and 0 < k <= len(PLATE_CHARS):
            text.append(PLATE_CHARS[k - 1])
        previous = k
    return "".join(text)


def held_out_lines(
    real: Sequence[crops_mod.LabeledCrop],
) -> dict[str, list[tuple[list[np.ndarray], str]]]:
    """Per source, the held-out crops' line inputs (both lines of a two-line plate)."""
    reader = RapidOcrReader(threads=1)
    sets: dict[str, list[tuple[list[np.ndarray], str]]] = {}
    for crop in real:
        if not crop.holdout:
            continue
        image = crop.load()
        if crop.box is not None:
            image = crops_mod.cut(image, crop.box)
        boxes = reader.lines(image) or [(0, 0, image.shape[1], image.shape[0])]
        views = [rec_tensor(image[y1:y2, x1:x2]) for x1, y1, x2, y2 in boxes]
        sets.setdefault(crop.source, []).append((views, crop.plate))
    return sets


def evaluate(
    net: nn.Module, sets: dict[str, list[tuple[list[np.ndarray], str]]]
) -> dict[str, float]:
    """Exact match per source by best path, O and 0 as one character (as the benchmark)."""
    net.eval()
    scores: dict[str, float] = {}
    with torch.no_grad():
        for name, samples in sets.items():
            right = 0
            for views, plate in samples:
                text = "".join(greedy_text(net(torch.from_numpy(v)[None])[0]) for v in views)
                right += confusions.normalise(text).replace("O", "0") == plate.replace("O", "0")
            scores[name] = right / max(len(samples), 1)
    net.train()
    return scores


def fit_temperature(net: nn.Module, sets: dict[str, list[tuple[list[np.ndarray], str]]]) -> float:
    """The logits' divisor that makes the held-out lines' labels most likely (CTC).

    Fine-tuning makes the recogniser surer of itself, wrong reads included; a plate's
    probability is what alerts are thresholded on, so it is calibrated on crops it never
    trained on. Two-line plates are left out (their label's split is unknown).
    """
    net.eval()
    with torch.no_grad():
        scored = [
            (torch.log(net(torch.from_numpy(views[0])[None])[0].clamp_min(1e-12)), plate)
            for group in sets.values()
            for views, plate in group
            if len(views) == 1
        ]
    net.train()
    ctc = nn.CTCLoss(blank=0, reduction="sum", zero_infinity=True)
    best, best_loss = 1.0, float("inf")
    for temperature in np.arange(0.5, 3.01, 0.1):
        loss = 0.0
        for log_probs, plate in scored:
            scaled = torch.log_softmax(log_probs / float(temperature), dim=-1)[:, None]
            target = torch.tensor([[PLATE_CHARS.index(c) + 1 for c in plate]])
            frames = torch.tensor([scaled.shape[0]])
            loss += float(ctc(scaled, target, frames, torch.tensor([len(plate)])))
        if loss < best_loss:
            best, best_loss = float(temperature), loss
    return round(best, 2)


def tune(config: TuneConfig, *, resume: bool = True) -> Path:
    """Run (or resume) a fine-tuning run in ``config.out``; returns the exported model's path."""
    fonts.require_all()
    config.out.mkdir(parents=True, exist_ok=True)
    _log_to(config.out / "train.log")
    torch.set_num_threads(config.threads)
    torch.manual_seed(config.seed)
    real = crops_mod.load_all(config.label_files or crops_mod.default_label_files(config.data))
    train_real = [c for c in real if not c.holdout]
    log.info("real crops: %s (train %d)", crops_mod.source_counts(real), len(train_real))
    source = model_path(REC_MODEL)
    model = plate_recogniser(source)
    net = OnnxGraph(model)
    stream = LineStream(config, train_real)
    optimizer = torch.optim.AdamW(net.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    schedule = torch.optim.lr_scheduler.OneCycleLR(
        optimizer, max_lr=config.lr, total_steps=config.steps, pct_start=0.1
    )
    checkpoint = config.out / "checkpoint.pt"
    step = 0
    if resume and checkpoint.is_file():
        state = torch.load(checkpoint, weights_only=False)
        net.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        schedule.load_state_dict(state["schedule"])
        step = int(state["step"])
        log.info("resumed at step %d", step)
    (config.out / "config.json").write_text(json.dumps(config.to_json(), indent=2))
    sets = held_out_lines(real)
    if step == 0:
        log.info("held out before tuning: %s", _scores(evaluate(net, sets)))
    loader: DataLoader[Any] = DataLoader(
        torch.utils.data.Subset(stream, range(step * config.batch, config.steps * config.batch)),
        batch_size=config.batch,
        num_workers=config.workers,
        prefetch_factor=4 if config.workers else None,
        collate_fn=_collate,
    )
    ctc = nn.CTCLoss(blank=0, zero_infinity=True)
    started, seen, running = time.monotonic(), 0, 0.0
    net.train()
    for images, targets, lengths in loader:
        log_probs = torch.log(net(images).clamp_min(1e-12)).permute(1, 0, 2)
        frames = torch.full((images.shape[0],), log_probs.shape[0], dtype=torch.long)
        loss = ctc(log_probs, targets, frames, lengths)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        nn.utils.clip_grad_norm_(net.parameters(), 5.0)
        optimizer.step()
        schedule.step()
        step += 1
        seen += images.shape[0]
        running = 0.95 * running + 0.05 * loss.item() if running else loss.item()
        if step % 25 == 0:
            rate = seen / (time.monotonic() - started)
            log.info(
                "step %d/%d loss %.4f lr %.2e %.1f samples/s",
                step,
                config.steps,
                running,
                schedule.get_last_lr()[0],
                rate,
            )
        if step % config.checkpoint_every == 0 or step == config.steps:
            _save(checkpoint, net, optimizer, schedule, step)
        if step % config.eval_every == 0 or step == config.steps:
            log.info("eval step %d: %s", step, _scores(evaluate(net, sets)))
    temperature = fit_temperature(net, sets)
    log.info("temperature %.2f (fitted on the held-out real crops)", temperature)
    out = export(net, model, config.out / MODEL_NAME, temperature)
    log.info("exported %s (%.1f MB)", out, out.stat().st_size / 1e6)
    return out


def export(net: OnnxGraph, model: ModelProto, path: Path, temperature: float = 1.0) -> Path:
    """The trained weights in the recogniser's graph, divided by ``temperature`` in its
    classifier (softmax of logits / T, with no new operator), large ones stored as float16."""
    net.write_weights(model)
    for init in classifier(model, path):
        scaled = numpy_helper.to_array(init) / np.float32(temperature)
        init.CopyFrom(numpy_helper.from_array(scaled.astype(np.float32), init.name))
    meta = {p.key: p.value for p in model.metadata_props}
    helper.set_model_props(model, {**meta, "temperature": f"{temperature:.2f}"})
    _store_half(model)
    tmp = path.with_suffix(".tmp")
    onnx.save(model, str(tmp))
    try:  # the reader refuses, naming it, a file it could not read with; it is never shipped
        RapidOcrReader(threads=1, rec_model=tmp, find_main_line=False)
    except ConfigurationError:
        tmp.unlink()
        raise
    os.replace(tmp, path)
    return path


def _store_half(model: ModelProto) -> None:
    """Halve the file: each large float weight is stored as float16 and cast back on load.

    onnxruntime folds the casts into float32 constants when it opens the file, so the network
    runs exactly as in float32 with weights rounded to float16 (a relative 5e-4).
    """
    graph = model.graph
    casts = []
    for init in graph.initializer:
        if init.data_type != TensorProto.FLOAT or np.prod(init.dims) < HALF_MIN_WEIGHTS:
            continue
        name = init.name
        half = numpy_helper.to_array(init).astype(np.float16)
        init.CopyFrom(numpy_helper.from_array(half, f"{name}{HALF_SUFFIX}"))
        casts.append(
            helper.make_node("Cast", [f"{name}{HALF_SUFFIX}"], [name], to=TensorProto.FLOAT)
        )
    nodes = list(graph.node)
    del graph.node[:]
    graph.node.extend(casts + nodes)


def _scores(scores: dict[str, float]) -> str:
    return " ".join(f"{k} {v:.3f}" for k, v in sorted(scores.items()))


def _save(path: Path, net: nn.Module, optimizer: Any, schedule: Any, step: int) -> None:
    tmp = path.with_suffix(".tmp")
    torch.save(
        {
            "model": net.state_dict(),
            "optimizer": optimizer.state_dict(),
            "schedule": schedule.state_dict(),
            "step": step,
        },
        tmp,
    )
    os.replace(tmp, path)
