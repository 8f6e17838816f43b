"""The plate reader network: a small CNN, then one attention read-out per character slot.

It reads a whole plate at once into ``slots`` positions, each a softmax over the alphabet with a
pad character for unused slots: the output contract of fast-plate-ocr's models, so Plateward's
``FastPlateOcrReader`` runs it from its ONNX file and plate config unchanged. Each slot attends
to the feature map on its own, which lets it find a character wherever the layout puts it (two
groups, a symbol between, small stacked characters beside) instead of at a fixed place.

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
        c = [max(8, int(n * width_mult)) for n in (32, 64, 96, 160)]
        self.slots = slots
        self.backbone = nn.Sequential(
            _conv(3, c[0], stride=2),  # /2
            _conv(c[0], c[1], stride=2),  # /4
            _Residual(c[1]),
            _conv(c[1], c[2], stride=2),  # /8
            _Residual(c[2]),
            _conv(c[2], c[3], stride=2),  # /16
            _Residual(c[3]),
        )
        fh, fw = height // 16, width // 16
        dim = c[3]
        self.position = nn.Parameter(torch.zeros(1, fh * fw, dim))
        nn.init.normal_(self.position, std=0.02)
        self.context = nn.TransformerEncoderLayer(
            dim, nhead=4, dim_feedforward=dim * 2, dropout=0.1, batch_first=True
        )
        self.queries = nn.Parameter(torch.randn(1, slots, dim) * 0.02)
        self.attend = nn.MultiheadAttention(dim, num_heads=4, batch_first=True)
        self.classify = nn.Sequential(
            nn.LayerNorm(dim), nn.Dropout(0.1), nn.Linear(dim, alphabet_size)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``x``: float (batch, 3, H, W) in 0..1; returns logits (batch, slots, alphabet)."""
        features = self.backbone((x - 0.5) / 0.25)
        tokens = features.flatten(2).transpose(1, 2) + self.position
        tokens = self.context(tokens)
        queries = self.queries.expand(x.shape[0], -1, -1)
        read, _ = self.attend(queries, tokens, tokens, need_weights=False)
        return self.classify(read)  # type: ignore[no-any-return]


class ExportWrapper(nn.Module):
    """uint8 NHWC RGB in, probabilities out: the fast-plate-ocr ONNX contract."""

    def __init__(self, net: PlateNet) -> None:
        super().__init__()
        self.net = net

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        x = images.permute(0, 3, 1, 2).float() / 255.0
        return torch.softmax(self.net(x), dim=-1)
