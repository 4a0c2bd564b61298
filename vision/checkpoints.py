"""The checkpoint file format, and loading any registered model from one file.

A checkpoint is a ``torch.save`` dict readable with ``torch.load(..., weights_only=True)``:

* ``format`` (:data:`FORMAT`) and ``format_version`` (:data:`FORMAT_VERSION`);
* ``arch``: a name registered in :mod:`vision.registry`; ``config``: its builder keywords;
  ``labels``: the label space in output order (the classifier's type slugs, the detector's category
  slugs of classes 1..N);
* ``data_sha256``: hex sha256 of the training pack's index (``vision.pack``), or None when unknown;
* ``meta``: metrics and notes (JSON-like dict);
* ``state_dict``: the weights; fp16 floating-point tensors in committed serving weights
  (``half=True``), fp32 in training checkpoints;
* ``training`` (training checkpoints only, else absent): ``optimizer`` and ``scheduler`` state
  dicts, ``state`` (:class:`vision.engine.TrainState` as a dict: step, epoch, position in the
  epoch, schedule length, ...), ``rng`` (:func:`rng_state`) and ``args`` (the command's options),
  so that ``--resume`` continues exactly where the run stopped.

Version history: 1 (this format). Files of the earlier, unversioned format are converted by
``python -m vision.convert_weights``.
"""

from __future__ import annotations

import functools
import hashlib
import os
import random
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from vision.registry import ModelSpec, build_model

FORMAT = "wardrobe-vision-checkpoint"
FORMAT_VERSION = 1
WEIGHTS_DIR = Path(__file__).resolve().parent / "weights"


def save_checkpoint(
    path: str | Path,
    model: nn.Module,
    *,
    data_sha256: str | None,
    meta: dict | None = None,
    half: bool = False,
    training: dict | None = None,
) -> Path:
    """Write ``model`` (built by :func:`vision.registry.build_model`, so carrying ``model.spec``).

    Args:
        path: file to write; its folder is created. Written to a temporary file first and renamed,
            so an interrupted save never leaves a truncated checkpoint.
        data_sha256: hex sha256 of the training pack's index, or None.
        meta: metrics and notes (plain JSON-like values).
        half: store floating-point tensors as fp16 (committed serving weights).
        training: optimizer/scheduler/state/rng/args for ``--resume`` (see the module docstring).
    Returns:
        the path written.
    Raises:
        AttributeError: when ``model`` has no ``spec`` (not built through the registry).
    """
    spec: ModelSpec = model.spec
    state = {
        k: (v.half() if half and v.is_floating_point() else v).detach().cpu().clone()
        for k, v in model.state_dict().items()
    }
    return write_checkpoint(path, make_checkpoint(spec, state, data_sha256=data_sha256, meta=meta, training=training))


def make_checkpoint(
    spec: ModelSpec,
    state_dict: dict[str, torch.Tensor],
    *,
    data_sha256: str | None,
    meta: dict | None = None,
    training: dict | None = None,
) -> dict:
    """The checkpoint dict of a model described by ``spec`` with weights ``state_dict`` (kept as
    given: same tensors, same dtypes)."""
    ckpt = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "arch": spec.arch,
        "config": dict(spec.config),
        "labels": list(spec.labels),
        "data_sha256": data_sha256,
        "meta": dict(meta or {}),
        "state_dict": state_dict,
    }
    if training is not None:
        ckpt["training"] = training
    return ckpt


def write_checkpoint(path: str | Path, ckpt: dict) -> Path:
    """``torch.save`` a checkpoint dict to a temporary file beside ``path``, then rename it over
    ``path`` (folder created), so an interrupted save never leaves a truncated file. Returns ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    torch.save(ckpt, tmp)
    os.replace(tmp, path)
    return path


def load_checkpoint(path: str | Path) -> dict:
    """Read a checkpoint (tensors on the CPU) and check its format.

    Raises:
        FileNotFoundError: no such file.
        ValueError: not a checkpoint of this format (e.g. the unversioned format of earlier
            weights: convert it with ``python -m vision.convert_weights``) or a newer version.
    """
    ckpt = torch.load(path, map_location="cpu", weights_only=True)
    if not isinstance(ckpt, dict) or ckpt.get("format") != FORMAT:
        raise ValueError(
            f"{path}: not a {FORMAT} file (weights of the earlier format are converted by "
            "`python -m vision.convert_weights`)"
        )
    if ckpt.get("format_version") != FORMAT_VERSION:
        raise ValueError(f"{path}: format version {ckpt.get('format_version')}, this code reads {FORMAT_VERSION}")
    return ckpt


def model_from_checkpoint(ckpt: dict, device: str | torch.device = "cpu") -> nn.Module:
    """Rebuild the registered model of a loaded checkpoint with fp32 weights, in eval mode, on
    ``device``. Raises ValueError for an unknown architecture, RuntimeError for weights that do
    not fit it."""
    model = build_model(ckpt["arch"], ckpt["labels"], **ckpt["config"])
    model.load_state_dict({k: v.float() if v.is_floating_point() else v for k, v in ckpt["state_dict"].items()})
    return model.to(device).eval()


def load_model(path: str | Path, device: str | torch.device = "cpu") -> nn.Module:
    """Rebuild any registered model from a checkpoint file: fp32, eval mode, on ``device``.

    The module carries ``model.spec`` (architecture, config, labels). Raises what
    :func:`load_checkpoint` and :func:`model_from_checkpoint` raise.
    """
    return model_from_checkpoint(load_checkpoint(path), device)


@functools.lru_cache(maxsize=8)
def _shared_model(path: str, device: str, mtime_ns: int) -> nn.Module:
    return load_model(path, device)


def load_shared_model(path: str | Path, device: str | torch.device = "cpu") -> nn.Module:
    """:func:`load_model`, once per process for a given file (path and modification time) and
    device: stages that run the same model (``scene`` and ``classify`` share ``classifier.pt``)
    get the same module object. Treat it as read-only. Raises what :func:`load_model` raises."""
    path = Path(path).resolve()
    if not path.exists():
        raise FileNotFoundError(f"no weights file at {path}")
    return _shared_model(str(path), str(torch.device(device)), path.stat().st_mtime_ns)


def sha256_file(path: str | Path) -> str:
    """Hex sha256 of a file's bytes (read in 1 MiB chunks)."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def rng_state() -> dict[str, Any]:
    """The state of every random generator training draws from: Python's ``random``, NumPy's global
    generator, torch's CPU generator and, when CUDA is initialised, every CUDA device's. Plain
    values and tensors only, so checkpoints load with ``weights_only=True``."""
    version, internal, gauss = random.getstate()
    name, keys, pos, has_gauss, cached = np.random.get_state()
    state = {
        "python": [version, list(internal), gauss],
        "numpy": [name, torch.from_numpy(keys.astype(np.int64)), int(pos), int(has_gauss), float(cached)],
        "torch": torch.get_rng_state(),
    }
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict[str, Any]) -> None:
    """Restore generators saved by :func:`rng_state` (CUDA ones only when CUDA is available)."""
    version, internal, gauss = state["python"]
    random.setstate((version, tuple(internal), gauss))
    name, keys, pos, has_gauss, cached = state["numpy"]
    np.random.set_state((name, keys.numpy().astype(np.uint32), pos, has_gauss, cached))
    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])
