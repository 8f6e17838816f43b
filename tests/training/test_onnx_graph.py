"""An ONNX graph run by PyTorch computes what onnxruntime computes, and trains into the file."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper

torch = pytest.importorskip("torch", reason="training needs the train extra (CI installs it)")

from plateward.errors import ConfigurationError
from plateward.recognition.reader_rapidocr import REC_MODEL, model_path
from plateward.training.onnx_graph import OnnxGraph


def run_onnx(model: onnx.ModelProto, x: np.ndarray) -> np.ndarray:
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    return np.asarray(session.run(None, {session.get_inputs()[0].name: x})[0])


@pytest.mark.parametrize("width", [320, 416])
def test_the_pp_ocr_recogniser_computes_as_in_onnxruntime(width: int) -> None:
    """Every operator of the real recogniser, at the widths lines come in (dynamic shapes)."""
    model = onnx.load(str(model_path(REC_MODEL)))
    x = np.random.default_rng(width).uniform(-1, 1, (2, 3, 48, width)).astype(np.float32)
    with torch.no_grad():
        ours = OnnxGraph(model).eval()(torch.from_numpy(x)).numpy()
    theirs = run_onnx(model, x)
    assert ours.shape == theirs.shape == (2, width // 8, theirs.shape[2])
    np.testing.assert_allclose(ours, theirs, atol=1e-4)


def small_model() -> onnx.ModelProto:
    """Conv (auto_pad SAME_UPPER, 2 x 2) -> BatchNorm -> HardSigmoid: three operator paths."""
    rng = np.random.default_rng(0)
    inits = [
        helper.make_tensor("w", TensorProto.FLOAT, [4, 3, 2, 2], rng.normal(size=48).tolist()),
        helper.make_tensor("b", TensorProto.FLOAT, [4], rng.normal(size=4).tolist()),
        helper.make_tensor("scale", TensorProto.FLOAT, [4], [1.0, 2.0, 0.5, 1.5]),
        helper.make_tensor("shift", TensorProto.FLOAT, [4], [0.0, 0.1, -0.1, 0.2]),
        helper.make_tensor("mean", TensorProto.FLOAT, [4], [0.1, 0.2, 0.3, 0.4]),
        helper.make_tensor("var", TensorProto.FLOAT, [4], [1.0, 0.5, 2.0, 1.5]),
    ]
    nodes = [
        helper.make_node(
            "Conv", ["x", "w", "b"], ["c"], auto_pad="SAME_UPPER", kernel_shape=[2, 2]
        ),
        helper.make_node("BatchNormalization", ["c", "scale", "shift", "mean", "var"], ["n"]),
        helper.make_node("HardSigmoid", ["n"], ["y"], alpha=0.3, beta=0.4),
    ]
    graph = helper.make_graph(
        nodes,
        "small",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, "h", "w"])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
        initializer=inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 11)])
    model.ir_version = 8
    return model


def test_trained_weights_written_back_run_the_same_in_onnxruntime() -> None:
    model = small_model()
    net = OnnxGraph(model)
    x = torch.from_numpy(np.random.default_rng(1).normal(size=(1, 3, 5, 7)).astype(np.float32))
    optimizer = torch.optim.SGD(net.parameters(), lr=0.5)
    for _ in range(3):
        loss = (net(x) - 1.0).pow(2).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    before = run_onnx(model, x.numpy())
    net.write_weights(model)
    after = run_onnx(model, x.numpy())
    with torch.no_grad():
        ours = net(x).numpy()
    assert not np.allclose(before, after)
    np.testing.assert_allclose(after, ours, atol=1e-5)


def test_running_statistics_are_not_trained() -> None:
    net = OnnxGraph(small_model())
    trained = {p.shape for p in net.parameters()}
    assert sum(p.numel() for p in net.parameters()) == 48 + 4 + 4 + 4  # w, b, scale, shift
    assert trained == {torch.Size([4, 3, 2, 2]), torch.Size([4])}


def test_an_operator_it_cannot_run_is_refused_by_name(tmp_path: Path) -> None:
    model = small_model()
    model.graph.node.append(helper.make_node("Tanh", ["y"], ["t"]))
    with pytest.raises(ConfigurationError, match="Tanh"):
        OnnxGraph(model)
