"""One place that opens onnxruntime sessions, so every model honours the thread setting."""

from __future__ import annotations

from pathlib import Path

import onnxruntime as ort

from plateward.errors import ConfigurationError


def open_session(model: Path | bytes, *, threads: int) -> ort.InferenceSession:
    """An onnxruntime CPU session with ``threads`` intra-op threads and no inter-op pool."""
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    # Idle pool threads would otherwise spin for work between runs, stealing the cores the
    # video decoder and the other model need on a 2-core camera box.
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    try:
        source = model if isinstance(model, bytes) else str(model)
        return ort.InferenceSession(
            source, sess_options=options, providers=["CPUExecutionProvider"]
        )
    except Exception as exc:  # onnxruntime raises several unrelated types for a bad file
        name = "model" if isinstance(model, bytes) else str(model)
        raise ConfigurationError(f"{name}: cannot load ONNX model: {exc}") from exc
