"""Train the garment Mask R-CNN on the CCP pack (see vision.pack).

    python -m vision.train_detector --pack data/v2/ccp.pt --out vision/weights/detector.pt \
        --epochs 16 --threads 2
    python -m vision.train_detector ... --resume vision/weights/detector.train.pt   # continue exactly
    python -m vision.train_detector ... --init vision/weights/detector.pt           # fine-tune

``--arch`` picks the registered architecture: ``lite0_maskrcnn_fpn`` (default) starts from the ImageNet
EfficientNet-Lite0 backbone (vision.lite0_models); ``maskrcnn_gn_resnet_fpn`` is the earlier small
ResNet trained from scratch. Training photos are the pack's "train" split; the per-epoch figures are
those of its calibration split (vision.datasets), never of the validation split reported.

Targets follow the instance rule of vision.datasets (all pixels of one category in a photo form
one instance). Augmentation: horizontal flip, colour jitter, and multi-scale training through
torchvision's transform (short side drawn from ``--train-sizes``), and Copy-Paste of another
photo's garments (``--copy-paste``). AdamW with gradient-norm clipping at 10, linear warm-up then
cosine decay over a number of steps fixed by ``--epochs``/``--max-steps``, or from ``--minutes`` of
training time by timing the first steps (vision.engine), so the same command fits a CPU or a GPU
budget and a resumed run continues the same schedule.

Prints JSON lines: every 25 steps (step, lr, losses, minutes) and per epoch the calibration photos'
COCO mask AP / AP50 and mIoU (vision.metrics; at pack resolution, detections merged as in serving).
Writes ``--out`` (fp16 serving weights, ``vision.checkpoints`` format) and the training checkpoint
(fp32 weights, optimizer, scheduler, step, RNG states) at every epoch end, every ``--save-every``
minutes, at ``--stop-at`` and at the end.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import time

import numpy as np
import torch
from torchvision.transforms import v2

from vision import datasets, engine, lite0_models, taxonomy
from vision.checkpoints import load_checkpoint, save_checkpoint, sha256_file
from vision.metrics import DetectionAccumulator
from vision.registry import architectures, build_model
from vision.stages.detect import SCORE_THRESHOLD, DetectStage

MIN_TRAIN_AREA = 16  # pixels at pack resolution; smaller instances are not used as targets


def make_target(cat_map: torch.Tensor) -> dict:
    """Detection target of a uint8 (H, W) class-id map: boxes float (N, 4) x0,y0,x1,y1 pixels,
    labels int64 (N,), masks uint8 (N, H, W)."""
    insts = datasets.instances_from_category_map(cat_map.numpy(), MIN_TRAIN_AREA)
    if not insts:
        h, w = cat_map.shape
        return {
            "boxes": torch.zeros((0, 4)),
            "labels": torch.zeros((0,), dtype=torch.int64),
            "masks": torch.zeros((0, h, w), dtype=torch.uint8),
        }
    return {
        "boxes": torch.tensor([datasets.mask_box(m) for _, m in insts], dtype=torch.float32),
        "labels": torch.tensor([c for c, _ in insts], dtype=torch.int64),
        "masks": torch.from_numpy(np.stack([m for _, m in insts])).to(torch.uint8),
    }


_jitter = v2.ColorJitter(0.3, 0.3, 0.3, 0.02)


def copy_paste(
    image: torch.Tensor, cat_map: torch.Tensor, src_image: torch.Tensor, src_map: torch.Tensor, keep: float = 0.5
):
    """Simple Copy-Paste (Ghiasi et al., "Simple Copy-Paste is a Strong Data Augmentation Method for
    Instance Segmentation", CVPR 2021): paste a random subset of the garment instances of another
    training photo onto this one.

    image/src_image: uint8 (3, H, W) / (3, h, w); cat_map/src_map: uint8 (H, W) / (h, w) class ids
    (0 = background). The source is resized to the target's size and flipped at random; each of its
    categories is kept with probability ``keep``. Pasted pixels overwrite image and cat_map, so
    covered parts of the target's instances disappear from their masks. Returns the new
    (image, cat_map); the inputs are not modified.
    """
    h, w = cat_map.shape
    if src_map.shape != (h, w):
        src_image = v2.functional.resize(src_image, [h, w], antialias=True)
        src_map = v2.functional.resize(src_map[None], [h, w], interpolation=v2.InterpolationMode.NEAREST)[0]
    if random.random() < 0.5:
        src_image, src_map = src_image.flip(-1), src_map.flip(-1)
    cats = [int(c) for c in src_map.unique() if c != 0 and random.random() < keep]
    if not cats:
        return image, cat_map
    paste = torch.isin(src_map, torch.tensor(cats, dtype=src_map.dtype))
    return torch.where(paste, src_image, image), torch.where(paste, src_map, cat_map)


def sample(image: torch.Tensor, cat_map: torch.Tensor, train: bool, paste_from=None):
    """One (float image (3, H, W) in [0, 1], target) pair, augmented when ``train``; ``paste_from``
    is an optional (image, cat_map) pair whose garments are pasted on with :func:`copy_paste`."""
    if train:
        if paste_from is not None:
            image, cat_map = copy_paste(image, cat_map, *paste_from)
        if random.random() < 0.5:
            image, cat_map = image.flip(-1), cat_map.flip(-1)
        image = _jitter(image)
    return image.float() / 255.0, make_target(cat_map)


def _loss(model, batch, device):
    """The training step's loss: the sum of Mask R-CNN's losses on a batch of (image, target)."""
    images = [b[0].to(device) for b in batch]
    targets = [{k: v.to(device) for k, v in b[1].items()} for b in batch]
    losses = model(images, targets)
    return sum(losses.values()), losses


class _Validation(DetectionAccumulator):
    """COCO and semantic metrics of a batch of (uint8 image, uint8 class-id map) pack photos."""

    def update(self, batch, outputs) -> None:
        for (_, cat_map), detections in zip(batch, outputs):
            self.add(
                cat_map.numpy(), [(1 + taxonomy.CATEGORY_SLUGS.index(d.category), d.score, d.mask) for d in detections]
            )


def _predict(model, batch, device):
    """Validation detections of a batch of (uint8 image, class-id map): the model at its serving
    input size (not the training sizes), detections merged as the serving ``detect`` stage merges
    them (its default thresholds), low-scoring ones kept so that AP sees the whole precision/recall
    curve."""
    stage = DetectStage(model, device)
    sizes = model.transform.min_size
    model.transform.min_size = (model.spec.config["min_size"],)
    try:
        outs = [stage.infer(image.float().div(255).to(device)) for image, _ in batch]
    finally:
        model.transform.min_size = sizes
    return [
        stage.postprocess(out, (image.shape[2], image.shape[1]), keep_low=True) for out, (image, _) in zip(outs, batch)
    ]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pack", default="data/v2/ccp.pt")
    ap.add_argument(
        "--arch",
        default=lite0_models.DETECTOR_ARCH,
        choices=sorted(n for n, a in architectures().items() if a.task == "detector"),
    )
    ap.add_argument("--out", default="vision/weights/detector.pt")
    ap.add_argument("--batch-size", type=int, default=4)
    ap.add_argument("--lr", type=float, default=4e-4)
    ap.add_argument("--weight-decay", type=float, default=1e-4)
    ap.add_argument(
        "--train-sizes",
        default="320,352,384,416,448,480,512",
        help="short sides, pixels (scale jitter; the long side is capped by the model's max_size)",
    )
    ap.add_argument("--copy-paste", type=float, default=0.3, help="probability of Copy-Paste per photo")
    ap.add_argument("--save-every", type=float, default=10.0, help="minutes between checkpoints")
    engine.add_training_arguments(ap, minutes=60.0, warmup=200)
    args = ap.parse_args(argv)
    device, started = engine.start_run(args)
    random.seed(args.seed)

    pack = torch.load(args.pack)
    data_sha256 = pack.get("index_sha256") or sha256_file(args.pack)  # packs before the index: the file
    split = pack.get("split") or ["val" if v else "train" for v in pack["val"]]
    train_idx = [i for i, s in enumerate(split) if args.train_on_all or s == "train"]
    val_idx = [i for i, s in enumerate(split) if s == "calib"] or [i for i, s in enumerate(split) if s != "train"]
    print(f"{len(train_idx)} training photos, {len(val_idx)} calibration photos")
    model = build_model(args.arch, taxonomy.CATEGORY_SLUGS)
    if args.init:
        engine.init_weights(model, args.init)
    elif args.arch == lite0_models.DETECTOR_ARCH and not args.resume:
        lite0_models.load_imagenet_backbone(model)
    model = model.to(device)
    model.transform.min_size = tuple(int(s) for s in args.train_sizes.split(","))
    opt = torch.optim.AdamW(
        [p for p in model.parameters() if p.requires_grad], lr=args.lr, weight_decay=args.weight_decay
    )
    n_batches = math.ceil(len(train_idx) / args.batch_size)
    total = engine.schedule_steps(args, n_batches)
    state = engine.TrainState(total_steps=total, warmup_steps=engine.warmup_length(args.warmup, total))
    scheduler = engine.build_scheduler(opt, total, args.warmup)
    if args.resume:
        ckpt = load_checkpoint(args.resume)
        engine.check_resume(ckpt, args, data_sha256)
        state = engine.restore(ckpt, model, opt, scheduler)
    last_save, metrics = time.time(), {}

    def save(**meta):
        nonlocal last_save
        seconds = state.seconds + time.time() - started
        meta = {"step": state.step, "epoch": state.epoch, "minutes": round(seconds / 60, 1), **metrics, **meta}
        save_checkpoint(args.out, model, data_sha256=data_sha256, half=True, meta=meta)
        save_checkpoint(
            engine.checkpoint_path(args),
            model,
            data_sha256=data_sha256,
            meta=meta,
            training=engine.training_section(opt, scheduler, state, args, seconds),
        )
        last_save = time.time()

    def save_periodically(s) -> bool:
        if time.time() - last_save > args.save_every * 60:
            save()
        return False

    hooks = [engine.StepBudget(args.minutes * 60, scheduler, state)] if not state.total_steps else []
    hooks.append(save_periodically)
    if args.stop_at:
        hooks.append(lambda s: s.step >= args.stop_at)

    def epoch_batches():
        for b in range(state.batch, n_batches):
            batch = []
            for i in state.order[b * args.batch_size : (b + 1) * args.batch_size]:
                src = None
                if random.random() < args.copy_paste:
                    j = random.choice(train_idx)
                    src = (pack["images"][j], pack["cat_maps"][j])
                batch.append(sample(pack["images"][i], pack["cat_maps"][i], True, src))
            yield batch

    val_batches = [
        [(pack["images"][i], pack["cat_maps"][i]) for i in val_idx[k : k + 4]] for k in range(0, len(val_idx), 4)
    ]
    while not state.total_steps or state.step < state.total_steps:
        if not state.order:
            state.order = random.sample(train_idx, len(train_idx))
        result = engine.train_one_epoch(
            model,
            opt,
            scheduler,
            epoch_batches(),
            device,
            loss_fn=_loss,
            state=state,
            max_norm=10.0,
            log_every=25,
            started=started,
            hooks=hooks,
        )
        finished = bool(state.total_steps) and state.step >= state.total_steps
        if not result["completed"] and not finished:  # --stop-at
            save()
            break
        if not result["completed"]:  # the schedule ended inside this epoch: it is the last one
            state.epoch, state.batch, state.order = state.epoch + 1, 0, []
        if val_batches:
            res = engine.evaluate(
                model, val_batches, device, predict=_predict, accumulator=_Validation(SCORE_THRESHOLD)
            )
            metrics = {f"calib_{k}": round(res[k], 4) for k in ("mask_ap", "mask_ap50", "miou")}
            print(
                json.dumps(
                    {
                        "epoch": state.epoch,
                        "step": state.step,
                        **metrics,
                        "minutes": round((state.seconds + time.time() - started) / 60, 1),
                    }
                ),
                flush=True,
            )
        save()
    return state


if __name__ == "__main__":
    main()
