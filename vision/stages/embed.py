"""Stage ``embed``: a unit-length feature vector of each garment, to find the same garment again.

Fills ``GarmentInstance.embedding``: float32 (``EMBEDDING_DIM``,) = (1280,), L2 norm 1, compared by
cosine similarity (:mod:`vision.similarity`). Its only weights of its own are the projection
(``embed_projection.pt``); it runs the fine-tuned type classifier's backbone (``classifier.pt``, the
module ``scene`` and ``classify`` share, :func:`vision.checkpoints.load_shared_model`) and keeps its
pooled features (global average of the head convolution, :meth:`vision.lite0.EfficientNetLite0.pooled`)
instead of the type logits.

1. preprocess: one picture per garment. ``view="cutout"`` (the default): the garment's box crop with
   every pixel outside its mask painted the neutral letterbox colour (:data:`vision.presets.PAD_RGB`),
   so the background the photo was taken on does not count; ``view="box"``: the plain box crop.
   Each is letterboxed to the model's input size (192 px) and scaled as the model expects.
   The cutout view was chosen by measurement: it retrieves re-shoots on new backgrounds better (the
   figures are in ``vision/weights/MODEL_CARD_classifier.md``, "Embedding").
2. infer: the backbone's pooled features (N, 1280) of each picture and of its mirror image,
   averaged (one forward pass of 2N pictures, under ``torch.no_grad``): a garment photographed again
   is often seen from the other side or mirrored. Chosen on the calibration split of held-out
   contributors (``vision.evaluate retrieval --split calib``: Recall@1 0.880 -> 0.907, duplicate
   recall at precision >= 0.95 0.677 -> 0.707; reported on ``val`` in
   ``vision/weights/MODEL_CARD_classifier.md``, "Embedding"). Average, GeM and max pooling, the
   stride-32 and stride-16 maps and their concatenations were measured beside it: the mirror gained
   with every pooling; the others moved within the split's noise.
3. postprocess: each row divided by its L2 norm, then projected by ``embed_projection.pt`` when the
   weights folder has it (within-pair covariance normalisation, :func:`project`, fitted by
   :mod:`vision.train_embedding` on re-shoots of the train split: calib Recall@1 0.907 -> 0.973) and
   divided by its norm again, float32 NumPy, onto its instance.

Runs after ``classify`` (which may unite two instances' masks) and ``cutout``.
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from vision import presets
from vision.checkpoints import load_shared_model
from vision.fuse import for_inference
from vision.registry import get_architecture
from vision.stages import PhotoContext

VIEWS = ("cutout", "box")
#: The projection's file in the weights folder (:mod:`vision.train_embedding`).
PROJECTION_FILE = "embed_projection.pt"


def neutral_cutout(image: Image.Image, mask: np.ndarray, box: tuple[int, int, int, int]) -> Image.Image:
    """RGB crop of ``image`` to ``box`` (x0, y0, x1, y1 pixels, x1/y1 exclusive) whose pixels outside
    ``mask`` (bool (H, W), the photo's size) are :data:`vision.presets.PAD_RGB`."""
    x0, y0, x1, y1 = box
    rgb = np.asarray(image.convert("RGB").crop(box)).copy()
    rgb[~mask[y0:y1, x0:x1]] = presets.PAD_RGB
    return Image.fromarray(rgb)


def project(embeddings: np.ndarray, projection: dict) -> np.ndarray:
    """Unit-norm float32 (N, D) ``W (e - mean)`` of unit-norm embeddings (N, D)
    (see :func:`vision.train_embedding.fit_wccn`)."""
    out = (np.asarray(embeddings, np.float32) - projection["mean"]) @ projection["matrix"]
    return (out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)).astype(np.float32)


def load_projection(path: Path) -> dict:
    """The projection written by :func:`vision.train_embedding.save_projection`: {"mean", "matrix"}
    float32 NumPy, "meta". Raises FileNotFoundError when the file is missing, KeyError when it holds no projection."""
    raw = torch.load(Path(path), map_location="cpu", weights_only=True)
    return {"mean": raw["mean"].numpy(), "matrix": raw["matrix"].numpy(), "meta": raw.get("meta", {})}


def embedding_version(weights_dir: Path) -> str:
    """Which embedding model a vector comes from: the first 12 hex digits of the SHA-256 of
    ``classifier.pt`` and (when present) :data:`PROJECTION_FILE` in ``weights_dir``, read once per
    process and file state (path, size, modification time). Vectors of two versions are not
    comparable. Raises FileNotFoundError when ``classifier.pt`` is missing."""
    files = [Path(weights_dir) / "classifier.pt", Path(weights_dir) / PROJECTION_FILE]
    state = tuple((str(f), f.stat().st_size, f.stat().st_mtime_ns) for f in files if f.exists() or f == files[0])
    return _version_of(state)


@functools.lru_cache(maxsize=8)
def _version_of(state: tuple) -> str:
    digest = hashlib.sha256()
    for path, _size, _mtime in state:
        digest.update(Path(path).read_bytes())
    return digest.hexdigest()[:12]


class EmbedStage:
    """The ``embed`` stage; build it with :func:`build`.

    Args:
        model: the registered type classifier (a ``backbone`` with ``pooled``, and ``prepare``) in
            eval mode on ``device``.
        view: ``"cutout"`` (garment on a neutral background) or ``"box"`` (box crop).
        projection: {"mean", "matrix"} of :func:`vision.train_embedding.fit_wccn`, applied to the
            unit-norm features, or None for the plain features.
    Raises:
        ValueError: an unknown ``view``.
    """

    name = "embed"
    requires: tuple[str, ...] = ("detect",)
    runs_after: tuple[str, ...] = ("classify", "cutout")

    def __init__(self, model, device: torch.device, view: str = "cutout", projection: dict | None = None):
        if view not in VIEWS:
            raise ValueError(f"view must be one of {VIEWS}, got {view!r}")
        self.model = model
        self.device = device
        self.view = view
        self.projection = projection

    @property
    def dim(self) -> int:
        """Length of an embedding (1280 for the Lite0 classifier)."""
        return int(self.model.fc.in_features)

    def crops(self, image: Image.Image, instances) -> list[Image.Image]:
        """One RGB picture per instance of ``instances`` (``mask`` and ``box`` set), as ``view`` says."""
        if self.view == "box":
            return [image.crop(inst.box) for inst in instances]
        return [neutral_cutout(image, inst.mask, inst.box) for inst in instances]

    # 1. preprocess
    def preprocess(self, crops: list[Image.Image]) -> torch.Tensor:
        """float32 (N, 3, s, s) model input on the device: the crops letterboxed to the model's size."""
        size = self.model.input_size
        return self.model.prepare(torch.stack([presets.to_uint8_chw(presets.letterbox(c, size)) for c in crops]))

    # 2. inference
    @torch.no_grad()
    def infer(self, x: torch.Tensor) -> torch.Tensor:
        """Pooled backbone features float32 (N, 1280) on the CPU of a :meth:`preprocess` batch
        (N, 3, s, s): the mean of each picture's and its left-right mirror's."""
        both = self.model.backbone.pooled(torch.cat([x, x.flip(3)])).float().cpu()
        return (both[: len(x)] + both[len(x) :]) / 2

    # 3. postprocess
    def postprocess(self, features: torch.Tensor) -> np.ndarray:
        """Rows of ``features`` (N, D) scaled to unit L2 norm, then through the projection when there
        is one (:func:`project`): float32 NumPy (N, D) (an all-zero row stays
        zero without a projection)."""
        f = features.numpy().astype(np.float32)
        f = f / np.maximum(np.linalg.norm(f, axis=1, keepdims=True), 1e-12)
        return project(f, self.projection) if self.projection is not None else f

    def embed(self, crops: list[Image.Image]) -> np.ndarray:
        """Unit-norm embeddings float32 (N, D) of N RGB pictures (already cut out or cropped), at
        most :data:`vision.presets.MAX_BATCH` pictures (mirror images included) through the model at once."""
        if not crops:
            return np.zeros((0, self.dim), np.float32)
        step = max(1, presets.MAX_BATCH // 2)
        return self.postprocess(
            torch.cat([self.infer(self.preprocess(crops[i : i + step])) for i in range(0, len(crops), step)])
        )

    def __call__(self, ctx: PhotoContext) -> None:
        """Set ``embedding`` of every instance of ``ctx`` (one batch for the photo)."""
        instances = ctx.analysis.instances
        if not instances:
            return
        for inst, row in zip(instances, self.embed(self.crops(ctx.image, instances))):
            inst.embedding = row


def build(
    weights_dir: Path, device: torch.device, embed_view: str = "cutout", embed_projection: bool = True
) -> EmbedStage:
    """Load ``classifier.pt`` from ``weights_dir`` onto ``device`` (shared with ``scene`` and
    ``classify``) and, when ``embed_projection`` and the file is there, ``embed_projection.pt``
    (:mod:`vision.train_embedding`); ``embed_view``: the ``view`` of :class:`EmbedStage`.

    Raises FileNotFoundError when the file is missing, ValueError when it is not a classifier or
    ``embed_view`` is unknown."""
    model = for_inference(load_shared_model(Path(weights_dir) / "classifier.pt", device))
    if get_architecture(model.spec.arch).task != "classifier":
        raise ValueError(f"classifier.pt holds a {model.spec.arch!r}, not a classifier")
    projection_path = Path(weights_dir) / PROJECTION_FILE
    projection = load_projection(projection_path) if embed_projection and projection_path.exists() else None
    return EmbedStage(model, device, embed_view, projection)
