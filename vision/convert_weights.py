"""One-off: convert weights of the earlier, unversioned format to the checkpoint format of
``vision.checkpoints`` (format version 1), keeping the same tensors.

    python -m vision.convert_weights [--weights-dir vision/weights] [--datasets ../shared/datasets]

The earlier files held ``state_dict`` (fp16), ``meta`` and the builder's keywords loose
(``widths``, ``depths``, ``fpn_channels`` for the detector; ``type_slugs``, ``widths``, ``depths``,
``norm`` for the classifier). Each is rewritten in place as a version-1 checkpoint with the
architecture name, its full config (the detector's ``min_size``/``max_size`` are the defaults the
earlier loader used: 320 and 480), the label space (the classifier's type slugs; the detector's
27 category slugs), the same state dict, the earlier meta plus ``converted_from`` and
``source_sha256`` (sha256 of the file before conversion), and ``data_sha256``: the index hash of the
packs ``python -m vision.pack`` makes from ``--datasets`` (448-px detector pack, as trained), or
None when that folder is missing. A file already in the new format is left as it is.

After writing, each model is rebuilt with :func:`vision.checkpoints.load_model` and every tensor is
checked equal to the earlier file's; a mismatch raises AssertionError (and the earlier file is
kept as ``<name>.pt.orig``).
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

import torch

from vision import pack, taxonomy
from vision.checkpoints import (
    FORMAT,
    WEIGHTS_DIR,
    load_model,
    make_checkpoint,
    sha256_file,
    write_checkpoint,
)
from vision.models import CLASSIFIER_ARCH, DETECTOR_ARCH
from vision.registry import build_model

DETECTOR_PACK_SIZE = 448  # long side of the detector pack both committed detectors were trained on


def _spec(name: str, old: dict):
    """ModelSpec of an earlier-format checkpoint (``name`` "detector" or "classifier")."""
    if name == "detector":
        model = build_model(
            DETECTOR_ARCH,
            taxonomy.CATEGORY_SLUGS,
            widths=old["widths"],
            depths=old["depths"],
            fpn_channels=old["fpn_channels"],
        )
    else:
        model = build_model(
            CLASSIFIER_ARCH, old["type_slugs"], widths=old["widths"], depths=old["depths"], norm=old.get("norm", "gn")
        )
    return model.spec


def convert(path: Path, name: str, data_sha256: str | None) -> dict:
    """Convert one earlier-format file in place; returns a summary. Raises AssertionError when the
    rebuilt model's tensors differ from the file's."""
    old = torch.load(path, map_location="cpu", weights_only=True)
    if old.get("format") == FORMAT:
        return {"file": path.name, "skipped": "already converted"}
    source_sha = sha256_file(path)
    backup = path.with_name(path.name + ".orig")
    shutil.copy2(path, backup)
    meta = dict(old.get("meta", {}))
    meta.update(
        {"converted_from": "unversioned vision weights format (before the model registry)", "source_sha256": source_sha}
    )
    write_checkpoint(path, make_checkpoint(_spec(name, old), old["state_dict"], data_sha256=data_sha256, meta=meta))
    rebuilt = load_model(path, "cpu").state_dict()
    assert list(rebuilt) == list(old["state_dict"]), f"{path.name}: parameter names differ"
    for key, tensor in old["state_dict"].items():
        want = tensor.float() if tensor.is_floating_point() else tensor
        assert torch.equal(rebuilt[key], want), f"{path.name}: {key} differs"
    backup.unlink()
    return {
        "file": path.name,
        "bytes": path.stat().st_size,
        "sha256": sha256_file(path),
        "source_sha256": source_sha,
        "data_sha256": data_sha256,
        "tensors": len(rebuilt),
    }


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--weights-dir", default=str(WEIGHTS_DIR))
    ap.add_argument(
        "--datasets",
        default="../shared/datasets",
        help="shared datasets folder, for the training data hash (skipped when missing)",
    )
    args = ap.parse_args(argv)
    hashes = {"classifier": None, "detector": None}
    if Path(args.datasets).is_dir():
        cls_index, det_index = pack.dataset_indexes(args.datasets, DETECTOR_PACK_SIZE)
        hashes = {"classifier": pack.index_sha256(cls_index), "detector": pack.index_sha256(det_index)}
    weights = Path(args.weights_dir)
    for name in ("detector", "classifier"):
        print(json.dumps(convert(weights / f"{name}.pt", name, hashes[name])))


if __name__ == "__main__":
    main()
