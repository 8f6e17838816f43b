"""The plate reader network: a small CNN, then one dense read-out of every character slot.

It reads a whole plate at once into ``slots`` positions, each a softmax over the alphabet with a
pad character for unused slots: the output contract of fast-plate-ocr's models, so Plateward's
``FastPlateOcrReader`` runs it from its ONNX file and plate config unchanged. Every slot sees
the whole 4 x 8 feature map through its own weights, so it can take its character from
wherever the layout puts it (two groups, a symbol between, stacked characters beside). A first
design gave each slot an attention read-out instead; on this CPU budget its loss fell no faster
(2.37 at step 300 against 2.30) and each sample cost more.

The ONNX graph takes what the reader feeds it: uint8, (batch, height, width, 3) RGB, and
returns probabilities (batch, slots, alphabet).
"""

from __future__ import annotations

import torch
from torch import nn


def _conv(c_in: int, c_out: int, stride: int = 1) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(c_in, c_out, 3, stride=stride, padding=1, bias=False),
        nn.BatchNorm2d(c_out),
        nn.ReLU(inplace=True),
    )


class _Residual(nn.Module):
    def __init__(self, channels: int) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(channels, channels, 3, padding=1, bias=False),
            nn.BatchNorm2d(channels),
            nn.ReLU(inplace=True),
            nn.Conv2d(channels, channels, 3, padding=1, bias=False),
            nn.BatchNorm2d(channels),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.relu(x + self.body(x))


class PlateNet(nn.Module):
    def __init__(
        self, slots: int, alphabet_size: int, height: int, width: int, width_mult: float = 1.0
    ) -> None:
        super().__init__()
        c = [max(8, int(n * width_mult)) for n in (32, 64, 96, 160, 48)]
        self.slots = slots
        self.alphabet_size = alphabet_size
        self.backbone = nn.Sequential(
            _conv(3, c[0], stride=2),  # /2
            _conv(c[0], c[1], stride=2),  # /4
            _conv(c[1], c[2], stride=2),  # /8
            _Residual(c[2]),
            _conv(c[2], c[3], stride=2),  # /16
            _Residual(c[3]),
            nn.Conv2d(c[3], c[4], 1),
        )
        cells = (height // 16) * (width // 16) * c[4]
        self.classify = nn.Sequential(
            nn.Flatten(), nn.Dropout(0.2), nn.Linear(cells, slots * alphabet_size)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``x``: float (batch, 3, H, W) in 0..1; returns logits (batch, slots, alphabet)."""
        logits = self.classify(self.backbone((x - 0.5) / 0.25))
        return logits.reshape(x.shape[0], self.slots, self.alphabet_size)  # type: ignore[no-any-return]


class ExportWrapper(nn.Module):
    """uint8 NHWC RGB in, probabilities out: the fast-plate-ocr ONNX contract.

    ``temperature`` divides the logits before the softmax: training's label smoothing keeps
    every slot's probability under about 0.95, so a calibrated temperature (below 1, fitted on
    held-out real crops) makes a plate's probability mean what it says.
    """

    def __init__(self, net: PlateNet, temperature: float = 1.0) -> None:
        super().__init__()
        self.net = net
        self.temperature = temperature

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        x = images.permute(0, 3, 1, 2).float() / 255.0
        return torch.softmax(self.net(x) / self.temperature, dim=-1)
