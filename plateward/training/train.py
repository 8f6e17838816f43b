"""Train the plate reader on synthetic and real plates, on the CPU, and export it to ONNX.

Why PyTorch rather than fast-plate-ocr's Keras CLI: fast-plate-ocr 1.1's trainer needs Keras 3
plus a back-end (TensorFlow, JAX or PyTorch) and reads a folder of image files per epoch,
while Plateward draws a fresh synthetic plate for every sample; its pretrained weights come
from GitHub at run time, which an offline build cannot fetch, so it would train from scratch
anyway. PyTorch's CPU wheel is one install, the loop below is short, and the exported model
keeps fast-plate-ocr's output contract (slots x alphabet with a pad character, a plate config
YAML), so ``FastPlateOcrReader`` runs it and fast-plate-ocr's own tools can read it.

Reproducible: sample ``i`` of the stream is drawn from ``numpy.random.default_rng([seed, i])``
whichever worker draws it, the network starts from ``torch.manual_seed(seed)``, and a run that
is stopped resumes from its checkpoint at the same sample.
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
import torch
import yaml
from torch import nn
from torch.utils.data import DataLoader, Dataset

from plateward.errors import InvalidInput
from plateward.recognition.interfaces import Image
from plateward.recognition.reader_fast_plate_ocr import prepare_crop
from plateward.training import crops as crops_mod
from plateward.training import fonts
from plateward.training.augment import degrade, jitter_box
from plateward.training.model import ExportWrapper, PlateNet
from plateward.training.synth import photograph, random_flat_plate, synthetic_plate
from plateward.training.warm_start import load_onnx_weights

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_"
PAD = "_"

log = logging.getLogger("plateward.training")

CALIBRATION_SAMPLES = 256
"""Training samples whose activations set a warm start's normalisations (``warm_start``)."""


@dataclass
class TrainConfig:
    data: Path
    out: Path
    seed: int = 17
    steps: int = 1600
    batch: int = 64
    lr: float = 2e-3
    weight_decay: float = 0.02
    real_share: float = 0.3
    """Share of each batch taken from the real crops (the rest is synthetic)."""
    height: int = 64
    width: int = 128
    slots: int = 10
    width_mult: float = 1.0
    threads: int = 2
    workers: int = 1
    checkpoint_every: int = 200
    eval_every: int = 1000
    ema_decay: float = 0.998
    label_smoothing: float = 0.05
    label_files: list[Path] = field(default_factory=list)
    init_from: Path | None = None
    """An exported model (ONNX) whose weights a new run starts from, instead of random ones."""

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        for key in ("data", "out", "init_from"):
            out[key] = None if out[key] is None else str(out[key])
        out["label_files"] = [str(p) for p in self.label_files]
        return out


def encode(plate: str, slots: int) -> list[int]:
    if len(plate) > slots:
        raise InvalidInput(f"{plate}: longer than the model's {slots} slots")
    return [ALPHABET.index(c) for c in plate.ljust(slots, PAD)]


def decode(indices: Sequence[int]) -> str:
    return "".join(ALPHABET[i] for i in indices if ALPHABET[i] != PAD)


class PlateStream(Dataset[tuple[torch.Tensor, torch.Tensor]]):
    """Sample ``i``: a real crop (share ``real_share``) or a synthetic plate, from seed [seed, i].

    Drawing a flat plate costs more than photographing it, so the synthetic samples ``2k`` and
    ``2k + 1`` photograph the same flat plate (drawn from seed [seed, k, 1]) in two different
    ways: twice the samples for the same drawing time, each still seeded by its own index.
    """

    def __init__(self, config: TrainConfig, real: Sequence[crops_mod.LabeledCrop]) -> None:
        self.config = config
        self.real = list(real)
        self._cache: dict[Path, Image] = {}
        self._flat: tuple[int, tuple[Image, str, str]] | None = None

    def __len__(self) -> int:
        return self.config.steps * self.config.batch

    def __getitem__(self, index: int) -> tuple[torch.Tensor, torch.Tensor]:
        image, plate = self.draw(index)
        pixels = prepare_crop(image, self.config.width, self.config.height, grayscale=False)
        return torch.from_numpy(pixels), torch.tensor(encode(plate, self.config.slots))

    def draw(self, index: int) -> tuple[Image, str]:
        """Sample ``index`` as a detector would hand it to a reader: a BGR crop and its plate."""
        rng = np.random.default_rng([self.config.seed, index])
        if self.real and rng.random() < self.config.real_share:
            crop = self.real[int(rng.integers(len(self.real)))]
            return self._real(crop, rng), crop.plate
        flat, plate, _ = self._flat_plate(index // 2)
        return degrade(photograph(flat, rng), rng), plate

    def _flat_plate(self, pair: int) -> tuple[Image, str, str]:
        if self._flat is None or self._flat[0] != pair:
            flat = random_flat_plate(np.random.default_rng([self.config.seed, pair, 1]))
            self._flat = (pair, flat)
        return self._flat[1]

    def _real(self, crop: crops_mod.LabeledCrop, rng: np.random.Generator) -> Image:
        image = self._cache.get(crop.path)
        if image is None:
            image = crop.load()
            self._cache[crop.path] = image
        if crop.box is not None:
            h, w = image.shape[:2]
            image = crops_mod.cut(image, jitter_box(crop.box, (w, h), rng))
        else:
            image = _small_warp(image, rng)
        return degrade(image, rng, strength=0.5)


def _small_warp(image: Image, rng: np.random.Generator) -> Image:
    """A crop already cut: tilt it a little and trim or pad its edges, as another box would."""
    h, w = image.shape[:2]
    src = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32)
    dst = src + rng.normal(0, 0.03, (4, 2)).astype(np.float32) * np.array([w, h], np.float32)
    matrix = cv2.getPerspectiveTransform(src, dst)
    warped = cv2.warpPerspective(image, matrix, (w, h), borderMode=cv2.BORDER_REPLICATE)
    return np.asarray(warped, np.uint8)


def evaluation_sets(
    config: TrainConfig, real: Sequence[crops_mod.LabeledCrop]
) -> dict[str, list[tuple[np.ndarray, str]]]:
    """Held-out real crops per source, plus 512 fixed synthetic plates (another seed)."""
    sets: dict[str, list[tuple[np.ndarray, str]]] = {}
    for crop in real:
        if not crop.holdout:
            continue
        image = crop.load()
        if crop.box is not None:
            image = crops_mod.cut(image, crop.box)
        pixels = prepare_crop(image, config.width, config.height, grayscale=False)
        sets.setdefault(crop.source, []).append((pixels, crop.plate))
    synthetic = []
    for i in range(512):
        sample = synthetic_plate(np.random.default_rng([config.seed + 1_000_003, i]))
        pixels = prepare_crop(sample.image, config.width, config.height, grayscale=False)
        synthetic.append((pixels, sample.plate))
    sets["synthetic"] = synthetic
    return sets


def evaluate(net: nn.Module, sets: dict[str, list[tuple[np.ndarray, str]]]) -> dict[str, float]:
    """Exact-match share per set (O and 0 as one character, as the benchmark counts)."""
    net.eval()
    scores: dict[str, float] = {}
    with torch.no_grad():
        for name, samples in sets.items():
            right = 0
            for start in range(0, len(samples), 128):
                chunk = samples[start : start + 128]
                x = torch.from_numpy(np.stack([p for p, _ in chunk])).permute(0, 3, 1, 2)
                pred = net(x.float() / 255.0).argmax(-1)
                for row, (_, plate) in zip(pred.tolist(), chunk, strict=True):
                    right += decode(row).replace("O", "0") == plate.replace("O", "0")
            scores[name] = right / max(len(samples), 1)
    net.train()
    return scores


class _Ema:
    """An exponential moving average of the weights: steadier than the last step's."""

    def __init__(self, net: nn.Module, decay: float) -> None:
        self.decay = decay
        self.shadow = {k: v.detach().clone() for k, v in net.state_dict().items()}

    def update(self, net: nn.Module) -> None:
        with torch.no_grad():
            for key, value in net.state_dict().items():
                if value.dtype.is_floating_point:
                    self.shadow[key].mul_(self.decay).add_(value.detach(), alpha=1 - self.decay)
                else:
                    self.shadow[key].copy_(value)


def train(config: TrainConfig, *, resume: bool = True) -> Path:
    """Run (or resume) a training run in ``config.out``; returns the exported ONNX model path."""
    fonts.require_all()
    config.out.mkdir(parents=True, exist_ok=True)
    _log_to(config.out / "train.log")
    torch.set_num_threads(config.threads)
    torch.manual_seed(config.seed)
    files = config.label_files or crops_mod.default_label_files(config.data)
    real = crops_mod.load_all(files)
    train_real = [c for c in real if not c.holdout]
    log.info(
        "real crops: %s (train %d, held out %d)",
        crops_mod.source_counts(real),
        len(train_real),
        len(real) - len(train_real),
    )
    net = PlateNet(config.slots, len(ALPHABET), config.height, config.width, config.width_mult)
    stream = PlateStream(config, train_real)
    checkpoint = config.out / "checkpoint.pt"
    resuming = resume and checkpoint.is_file()
    if config.init_from is not None and not resuming:
        calibration = torch.stack([stream[i][0] for i in range(CALIBRATION_SAMPLES)])
        load_onnx_weights(net, config.init_from, calibration.permute(0, 3, 1, 2).float() / 255.0)
        net.train()
        log.info("weights from %s", config.init_from)
    optimizer = torch.optim.AdamW(net.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    schedule = torch.optim.lr_scheduler.OneCycleLR(
        optimizer,
        max_lr=config.lr,
        total_steps=config.steps,
        pct_start=0.05,
        div_factor=20,
        final_div_factor=200,
    )
    ema = _Ema(net, config.ema_decay)
    step = 0
    if resuming:
        state = torch.load(checkpoint, weights_only=False)
        net.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        schedule.load_state_dict(state["schedule"])
        ema.shadow = state["ema"]
        step = int(state["step"])
        log.info("resumed at step %d", step)
    (config.out / "config.json").write_text(json.dumps(config.to_json(), indent=2))
    indices = range(step * config.batch, config.steps * config.batch)
    loader: DataLoader[Any] = DataLoader(
        torch.utils.data.Subset(stream, indices),
        batch_size=config.batch,
        num_workers=config.workers,
        prefetch_factor=4 if config.workers else None,
        persistent_workers=False,
    )
    sets = evaluation_sets(config, real)
    loss_fn = nn.CrossEntropyLoss(label_smoothing=config.label_smoothing)
    started, seen, running = time.monotonic(), 0, 0.0
    net.train()
    for images, labels in loader:
        x = images.permute(0, 3, 1, 2).float() / 255.0
        logits = net(x)
        loss = loss_fn(logits.reshape(-1, len(ALPHABET)), labels.reshape(-1))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        nn.utils.clip_grad_norm_(net.parameters(), 5.0)
        optimizer.step()
        schedule.step()
        ema.update(net)
        step += 1
        seen += len(labels)
        running = 0.98 * running + 0.02 * loss.item() if running else loss.item()
        if step % 50 == 0:
            rate = seen / (time.monotonic() - started)
            log.info(
                "step %d/%d loss %.4f lr %.2e %.0f samples/s",
                step,
                config.steps,
                running,
                schedule.get_last_lr()[0],
                rate,
            )
        if step % config.checkpoint_every == 0 or step == config.steps:
            _save(checkpoint, net, optimizer, schedule, ema, step)
        if step % config.eval_every == 0 or step == config.steps:
            scores = evaluate(_ema_net(config, ema), sets)
            log.info(
                "eval step %d (ema): %s",
                step,
                " ".join(f"{k} {v:.3f}" for k, v in sorted(scores.items())),
            )
    final = _ema_net(config, ema)
    temperature = fit_temperature(final, sets)
    log.info("temperature %.2f (fitted on the held-out real crops)", temperature)
    model = export(final, config, config.out / "plate_reader.onnx", temperature)
    log.info(
        "exported %s (%.1f MB) in %.0f s of this process",
        model,
        model.stat().st_size / 1e6,
        time.monotonic() - started,
    )
    return model


def _ema_net(config: TrainConfig, ema: _Ema) -> PlateNet:
    net = PlateNet(config.slots, len(ALPHABET), config.height, config.width, config.width_mult)
    net.load_state_dict(ema.shadow)
    net.eval()
    return net


def _save(path: Path, net: nn.Module, optimizer: Any, schedule: Any, ema: _Ema, step: int) -> None:
    tmp = path.with_suffix(".tmp")
    torch.save(
        {
            "model": net.state_dict(),
            "optimizer": optimizer.state_dict(),
            "schedule": schedule.state_dict(),
            "ema": ema.shadow,
            "step": step,
        },
        tmp,
    )
    os.replace(tmp, path)


def fit_temperature(net: nn.Module, sets: dict[str, list[tuple[np.ndarray, str]]]) -> float:
    """The logit temperature that makes the held-out real crops' slot probabilities honest.

    Chosen on a grid (0.30-1.50 by 0.01) by the negative log-likelihood of every slot of the
    held-out real crops, pads included; synthetic plates are left out, being easier.
    """
    real = [sample for name, samples in sets.items() if name != "synthetic" for sample in samples]
    if not real:
        return 1.0
    net.eval()
    with torch.no_grad():
        x = torch.from_numpy(np.stack([p for p, _ in real])).permute(0, 3, 1, 2).float() / 255.0
        logits = torch.cat([net(x[i : i + 128]) for i in range(0, len(real), 128)])
    slots = logits.shape[1]
    labels = torch.tensor([encode(plate, slots) for _, plate in real])
    flat_logits, flat_labels = logits.reshape(-1, logits.shape[-1]), labels.reshape(-1)
    grid = [round(0.30 + 0.01 * i, 2) for i in range(121)]
    losses = [float(nn.functional.cross_entropy(flat_logits / t, flat_labels)) for t in grid]
    return grid[int(np.argmin(losses))]


def export(net: PlateNet, config: TrainConfig, path: Path, temperature: float = 1.0) -> Path:
    """The ONNX model (uint8 NHWC RGB in, probabilities out) and its plate config beside it."""
    wrapper = ExportWrapper(net, temperature).eval()
    dummy = torch.zeros(1, config.height, config.width, 3, dtype=torch.uint8)
    torch.onnx.export(
        wrapper,
        (dummy,),
        str(path),
        input_names=["input"],
        output_names=["plate"],
        dynamic_axes={"input": {0: "batch"}, "plate": {0: "batch"}},
        opset_version=17,
        dynamo=False,
    )
    plate_config = {
        "max_plate_slots": config.slots,
        "alphabet": ALPHABET,
        "pad_char": PAD,
        "img_height": config.height,
        "img_width": config.width,
        "image_color_mode": "rgb",
    }
    path.with_suffix(".yaml").write_text(yaml.safe_dump(plate_config, sort_keys=False))
    return path


def export_checkpoint(
    checkpoint: Path, out: Path, data: Path | None = None
) -> tuple[Path, float, dict[str, float]]:
    """Export the EMA weights of a run's checkpoint, calibrated as ``train`` does at its end.

    ``data``: the shared data folder for the calibration crops, if not where the run had it.
    Returns the model's path, its temperature and its exact-match share on each held-out set.
    """
    config_json = json.loads((checkpoint.parent / "config.json").read_text())
    config = TrainConfig(
        **{k: v for k, v in config_json.items() if k not in ("label_files", "init_from")}
    )
    config.data, config.out = Path(data or config.data), Path(config.out)
    state = torch.load(checkpoint, weights_only=False)
    ema = _Ema(
        PlateNet(config.slots, len(ALPHABET), config.height, config.width, config.width_mult), 0.0
    )
    ema.shadow = state["ema"]
    net = _ema_net(config, ema)
    real = crops_mod.load_all(config.label_files or crops_mod.default_label_files(config.data))
    sets = evaluation_sets(config, real)
    temperature = fit_temperature(net, sets)
    return export(net, config, out, temperature), temperature, evaluate(net, sets)


def _log_to(path: Path) -> None:
    handler = logging.FileHandler(path)
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.INFO)
