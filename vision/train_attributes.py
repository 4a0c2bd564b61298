"""Train the garment-attribute classifier (one head per attribute of vocabulary.attributes).

    python -m vision.train_attributes --data ../shared/datasets/clothing-dataset \
        --labels vision/references/attributes.csv --ccp-crops DIR --out vision/weights/attributes.pt \
        --epochs 30 --threads 1 [--cache /tmp/attribute_pictures.pt]
    python -m vision.train_attributes ... --resume vision/weights/attributes.train.pt   # continue exactly

The best round so far waits in ``attributes.best.pt`` beside the training checkpoint, so a resumed run
keeps the same round as an uninterrupted one.

Data: the labelled garment pictures of :mod:`vision.attribute_data` (a clothing-dataset photo's
segmenter box, a CCP crop whole), letterboxed to ``--pack-size``. Training gets the "train" split
(contributors / CCP photos of neither validation nor calibration); the checkpoint kept and the
temperatures are chosen on the calibration split, never on the validation split that is reported.

Model: :class:`vision.lite0_models.Lite0AttributeClassifier`, its backbone taken from the fine-tuned
type classifier (``--backbone``, default ``vision/weights/classifier.pt``: it already knows
garments; ``imagenet`` for the ImageNet weights). Only the last ``--train-blocks`` blocks of the
backbone, its head convolution and the heads learn (``-1``: the heads only); the frozen part runs
once per picture and view before training (``--views`` views: the whole picture, then mild random
augmentations: resized crop of 65-100 % of the area, horizontal flip, brightness and contrast of
+-15 %, saturation of +-10 %, no hue change, which would change a wash), so an epoch costs only the
trained part. BatchNorm statistics stay frozen (batches of 32 of a few hundred pictures). Loss: the sum
over heads of the cross-entropy (label smoothing 0.05) over the rows where that attribute is labelled
(an empty cell is ignored). AdamW, warm-up then cosine decay (vision.engine).

After training, one temperature per head (Guo et al., "On Calibration of Modern Neural Networks",
ICML 2017) is fitted on the calibration pictures (grid 0.50-4.00, :func:`vision.calibrate.fit_temperature`).
Prints JSON lines: one per epoch (epoch, step, loss, calib accuracy per head and their mean), then
the temperatures and the final calibration figures. Writes ``--out`` (fp16) with the temperatures,
and the training checkpoint at every epoch end.
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import math
import os
import time

import torch
import torch.nn.functional as F
from torch import nn
from torchvision.transforms import v2

from vision import attribute_data, engine, lite0
from vision.attribute_losses import HeadAccuracy, masked_loss, public, value_weights
from vision.calibrate import fit_temperature
from vision.checkpoints import load_checkpoint, save_checkpoint
from vision.lite0_models import ATTRIBUTE_ARCH, BACKGROUNDS, REGIONS
from vision.registry import build_model
from vocabulary.attributes import ATTRIBUTES


def augment(batch: torch.Tensor, size: int, generator: torch.Generator) -> torch.Tensor:
    """Mild batched augmentation: uint8 (N, 3, S, S) -> float32 (N, 3, size, size) RGB in [0, 1]
    (see the module docstring), drawing from ``generator``."""
    n = batch.shape[0]

    def u(lo, hi, *shape):
        return torch.empty(*(shape or (n,))).uniform_(lo, hi, generator=generator)

    x = batch.float().div_(255.0)
    area, ratio = u(0.65, 1.0), torch.exp(u(math.log(3 / 4), math.log(4 / 3)))
    sw, sh = (area * ratio).sqrt().clamp(max=1.0), (area / ratio).sqrt().clamp(max=1.0)
    cx, cy = u(-1, 1) * (1 - sw), u(-1, 1) * (1 - sh)
    flip = torch.where(u(0, 1) < 0.5, -1.0, 1.0)
    zero = torch.zeros(n)
    theta = torch.stack([torch.stack([sw * flip, zero, cx], 1), torch.stack([zero, sh, cy], 1)], 1)
    grid = F.affine_grid(theta, [n, 3, size, size], align_corners=False)
    x = F.grid_sample(x, grid, mode="bilinear", padding_mode="border", align_corners=False)
    gray_w = torch.tensor([0.299, 0.587, 0.114]).view(1, 3, 1, 1)
    x = x * u(0.85, 1.15, n, 1, 1, 1)
    mean = (x * gray_w).sum(1, keepdim=True).mean((2, 3), keepdim=True)
    x = (x - mean) * u(0.85, 1.15, n, 1, 1, 1) + mean
    gray = (x * gray_w).sum(1, keepdim=True)
    return ((x - gray) * u(0.9, 1.1, n, 1, 1, 1) + gray).clamp_(0.0, 1.0)


def center(batch: torch.Tensor, size: int) -> torch.Tensor:
    """The serving view of uint8 pack pictures: the whole letterboxed picture at ``size``, float [0, 1]."""
    return v2.functional.resize(batch, [size] * 2, antialias=True).float().div_(255.0)


@torch.no_grad()
def frozen_features(model, x: torch.Tensor, train_blocks: int) -> torch.Tensor:
    """What the frozen part gives for float [0, 1] pictures (N, 3, s, s): the input of the
    ``train_blocks``-th block from the end (``train_blocks`` >= 0), or the pooled 1280-d feature (-1)."""
    b = model.backbone
    if train_blocks < 0:
        return b.pooled(lite0.scale_input(x * 255.0))
    y = F.relu6(b._bn0(b._conv_stem(lite0.scale_input(x * 255.0))))
    for block in b._blocks[: len(b._blocks) - train_blocks]:
        y = block(y)
    return y


def trained_logits(model, feats: torch.Tensor, train_blocks: int) -> dict[str, torch.Tensor]:
    """Head logits from :func:`frozen_features` through the trained part."""
    b = model.backbone
    if train_blocks >= 0:
        y = feats.float()
        for block in b._blocks[len(b._blocks) - train_blocks :]:
            y = block(y)
        feats = F.relu6(b._bn1(b._conv_head(y))).mean(dim=(2, 3))
    return model.head_logits(feats.float())


class FrozenBN(nn.Module):
    """Wraps the model so that ``train()`` leaves every BatchNorm in eval mode (frozen statistics)."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def train(self, mode: bool = True):
        super().train(mode)
        for m in self.model.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.eval()
        return self


def trainable_parameters(model, train_blocks: int) -> tuple[list, list]:
    """(backbone parameters that learn, head parameters); every other parameter is frozen."""
    b = model.backbone
    for p in model.parameters():
        p.requires_grad_(False)
    body = []
    if train_blocks >= 0:
        for module in [*b._blocks[len(b._blocks) - train_blocks :], b._conv_head, b._bn1]:
            body += list(module.parameters())
    heads = list(model.heads.parameters())
    for p in body + heads:
        p.requires_grad_(True)
    return body, heads


def data_digest(
    items, labels, pack_size: int, background: str = "photo", region: str = "whole", served_calib: bool = False
) -> str:
    """Hex sha256 of what the run trains on: stems, splits, labels, the picture size and (when not
    the photo / the whole picture / the pack's calibration pictures) the background, the region and
    ``served_calib``."""
    h = hashlib.sha256(f"pack_size={pack_size}\n".encode())
    if served_calib:
        h.update(b"served_calib=1\n")
    if background != "photo":
        h.update(f"background={background}\n".encode())
    if region != "whole":
        h.update(f"region={region}\n".encode())
    for ex in items:
        h.update(f"{ex.stem},{ex.split},{sorted(labels[ex.stem].items())}\n".encode())
    return h.hexdigest()


def calib_pictures(pack: torch.Tensor, items, held: list[int], segmenter, args) -> torch.Tensor:
    """uint8 (len(held), 3, s, s): the pictures of the calibration rows ``held`` that the checkpoint
    and the temperatures are chosen on. By default the pack's (letterboxed to ``--pack-size``; the
    frozen pass resizes them to ``--input-size``, :func:`center`); with ``--served-calib`` the picture
    as the stage serves it (:meth:`vision.stages.attributes.AttributeStage.preprocess`: the region
    letterboxed straight to ``--input-size``), so the round kept is the best one as served."""
    if not args.served_calib:
        return pack[held]
    chosen = [items[i] for i in held]
    return attribute_data.pictures(
        chosen, segmenter, args.input_size, args.cache or None, args.background, region=args.region
    )


def best_weights_path(args) -> str:
    """Where the best round's weights and calib figures wait until ``--out`` is written: the training
    checkpoint's path (:func:`vision.engine.checkpoint_path`) with ``.best.pt`` for ``.train.pt``, so a
    resumed run (``--resume``) compares its rounds with the best of the rounds before it."""
    path = engine.checkpoint_path(args)
    return (path[: -len(".train.pt")] if path.endswith(".train.pt") else path) + ".best.pt"


def restore_best(path: str) -> tuple[dict | None, dict | None]:
    """The ``(state_dict, figures)`` written by an earlier session of the run, or ``(None, None)`` when
    it evaluated no round (no file)."""
    if not os.path.exists(path):
        return None, None
    saved = torch.load(path, map_location="cpu", weights_only=True)
    return saved["state_dict"], saved["figures"]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default="../shared/datasets/clothing-dataset")
    ap.add_argument("--labels", default="vision/references/attributes.csv")
    ap.add_argument("--ccp-crops", default="", help="folder of the CCP garment crops ccp-NNNN-<part>.jpg")
    ap.add_argument("--weights", default="vision/weights", help="folder with segmenter.pt (garment boxes)")
    ap.add_argument(
        "--backbone",
        default="vision/weights/classifier.pt",
        help="classifier checkpoint, or imagenet (Lite0's ImageNet weights), or imagenet-lite2 (EfficientNet-Lite2's)",
    )
    ap.add_argument("--cache", default="", help="file keeping the garment pictures between runs")
    ap.add_argument("--out", default="vision/weights/attributes.pt")
    ap.add_argument("--input-size", type=int, default=192)
    ap.add_argument("--pack-size", type=int, default=208)
    ap.add_argument("--train-blocks", type=int, default=5, help="last backbone blocks that learn; -1: heads only")
    ap.add_argument("--views", type=int, default=6, help="views per picture: the whole one + augmented ones")
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--feature-batch", type=int, default=64, help="pictures per pass of the frozen part")
    ap.add_argument("--lr", type=float, default=1e-3, help="heads; the backbone blocks get --body-lr")
    ap.add_argument("--body-lr", type=float, default=2e-4)
    ap.add_argument("--weight-decay", type=float, default=0.01)
    ap.add_argument("--dropout", type=float, default=0.2)
    ap.add_argument("--background", choices=BACKGROUNDS, default="photo", help="grey: the garment alone")
    ap.add_argument("--region", choices=REGIONS, default="whole", help="top: the neckline's part of the picture")
    ap.add_argument(
        "--attributes", default="", help="comma-separated heads (default: all); rows without one are left out"
    )
    ap.add_argument(
        "--balance", type=float, default=0.0, help="weight each value by (its training rows + 1) ** -BALANCE"
    )
    ap.add_argument(
        "--served-calib",
        action="store_true",
        help="choose the round and temperatures on the calibration pictures as served (letterboxed to --input-size)",
    )
    engine.add_training_arguments(ap, minutes=10.0, warmup=20)
    args = ap.parse_args(argv)
    device, started = engine.start_run(args)

    labels = attribute_data.read_labels(args.labels)
    names = [n for n in args.attributes.split(",") if n] or [a.name for a in ATTRIBUTES]
    if unknown := set(names) - {a.name for a in ATTRIBUTES}:
        ap.error(f"unknown attributes {sorted(unknown)}")
    labels = {stem: {k: v for k, v in row.items() if k in names} for stem, row in labels.items()}
    labels = {stem: row for stem, row in labels.items() if row}
    items = attribute_data.examples(labels, args.data, args.ccp_crops or None)
    segmenter = attribute_data.load_segmenter(args.weights)
    pack = attribute_data.pictures(
        items, segmenter, args.pack_size, args.cache or None, args.background, region=args.region
    )
    y = attribute_data.targets(items, labels)
    data_sha256 = data_digest(items, labels, args.pack_size, args.background, args.region, args.served_calib)
    split = [ex.split for ex in items]
    train_idx = torch.tensor([i for i, s in enumerate(split) if s == "train" or args.train_on_all], dtype=torch.long)
    held = [i for i, s in enumerate(split) if s == "calib"] or [i for i, s in enumerate(split) if s != "train"]
    held_idx = torch.tensor(held, dtype=torch.long)
    print(json.dumps({"pictures": len(items), "train": len(train_idx), "calib": len(held_idx)}), flush=True)

    config = {"region": args.region} if args.region != "whole" else {}
    model = build_model(
        ATTRIBUTE_ARCH,
        [label for label in attribute_data.attribute_labels() if label.partition(":")[0] in names],
        input_size=args.input_size,
        dropout=args.dropout,
        background=args.background,
        variant="lite2" if args.backbone == "imagenet-lite2" else "lite0",
        **config,
    )
    resumed = load_checkpoint(args.resume) if args.resume else None
    if resumed is not None:  # its frozen part computes the cached features below
        model.load_state_dict(resumed["state_dict"])
    elif args.init:
        engine.init_weights(model, args.init)
    elif args.backbone in ("imagenet", "imagenet-lite2"):
        model.backbone.load_state_dict(
            {k: v for k, v in lite0.imagenet_state_dict(model.backbone.variant).items() if not k.startswith("_fc.")}
        )
    elif args.backbone:
        state = load_checkpoint(args.backbone)["state_dict"]
        model.backbone.load_state_dict({k[9:]: v.float() for k, v in state.items() if k.startswith("backbone.")})
    model = model.to(device).eval()
    body, heads = trainable_parameters(model, args.train_blocks)

    # The frozen part, once per picture and view (view 0: the whole picture, the serving view).
    gen = torch.Generator().manual_seed(args.seed)
    views = []
    for v in range(max(1, args.views)):
        parts = []
        for i in range(0, len(pack), args.feature_batch):
            chunk = pack[i : i + args.feature_batch]
            x = center(chunk, args.input_size) if v == 0 else augment(chunk, args.input_size, gen)
            parts.append(frozen_features(model, x.to(device), args.train_blocks).half().cpu())
        views.append(torch.cat(parts))
    if args.served_calib and held:  # the calibration rows' serving view, as the stage prepares it
        served = calib_pictures(pack, items, held, segmenter, args)
        views[0][held_idx] = torch.cat(
            [
                frozen_features(
                    model, center(served[i : i + args.feature_batch], args.input_size).to(device), args.train_blocks
                )
                .half()
                .cpu()
                for i in range(0, len(served), args.feature_batch)
            ]
        )
    print(
        json.dumps(
            {
                "views": len(views),
                "feature_shape": list(views[0].shape[1:]),
                "minutes": round((time.time() - started) / 60, 1),
            }
        ),
        flush=True,
    )

    weights = value_weights(y[train_idx], args.balance) if args.balance else None
    wrapped = FrozenBN(model)
    groups = [{"params": heads, "lr": args.lr}] + ([{"params": body, "lr": args.body_lr}] if body else [])
    opt = torch.optim.AdamW(groups, weight_decay=args.weight_decay)
    steps_per_epoch = max(1, math.ceil(len(train_idx) / args.batch_size))
    total = engine.schedule_steps(args, steps_per_epoch)
    state = engine.TrainState(total_steps=total, warmup_steps=engine.warmup_length(args.warmup, total))
    scheduler = engine.build_scheduler(opt, total, args.warmup)
    if resumed is not None:
        engine.check_resume(resumed, args, data_sha256)
        state = engine.restore(resumed, model, opt, scheduler)
    hooks = [engine.StepBudget(args.minutes * 60, scheduler, state)] if not state.total_steps else []
    if args.stop_at:
        hooks.append(lambda s: s.step >= args.stop_at)

    def loss_fn(_, batch, dev):
        feats, targets = batch
        return masked_loss(trained_logits(model, feats.to(dev), args.train_blocks), targets.to(dev), weights=weights)

    def epoch_batches():
        view_gen = torch.Generator().manual_seed(args.seed * 100_003 + state.epoch)
        chosen = torch.randint(0, len(views), (len(items),), generator=view_gen)
        for b in range(state.batch, steps_per_epoch):
            idx = torch.tensor(state.order[b * args.batch_size : (b + 1) * args.batch_size], dtype=torch.long)
            if len(idx):
                feats = torch.stack([views[int(chosen[i])][i] for i in idx])
                yield feats, y[idx]

    def predict(_, batch, dev):
        return trained_logits(model, batch[0].to(dev), args.train_blocks)

    held_batches = [(views[0][held_idx[i : i + 128]], y[held_idx[i : i + 128]]) for i in range(0, len(held_idx), 128)]

    def save_training():
        training = engine.training_section(opt, scheduler, state, args, state.seconds + time.time() - started)
        save_checkpoint(
            engine.checkpoint_path(args),
            model,
            data_sha256=data_sha256,
            training=training,
            meta={"step": state.step, "epoch": state.epoch},
        )

    best_path = best_weights_path(args)
    best_model, best = restore_best(best_path) if resumed is not None else (None, None)
    while not state.total_steps or state.step < state.total_steps:
        if not state.order:
            state.order = train_idx[torch.randperm(len(train_idx))].tolist()
        result = engine.train_one_epoch(
            wrapped, opt, scheduler, epoch_batches(), device, loss_fn=loss_fn, state=state, started=started, hooks=hooks
        )
        finished = bool(state.total_steps) and state.step >= state.total_steps
        if not result["completed"] and not finished:
            save_training()
            break
        if not result["completed"]:
            state.epoch, state.batch, state.order = state.epoch + 1, 0, []
        res = engine.evaluate(wrapped, held_batches, device, predict=predict, accumulator=HeadAccuracy(model.names))
        minutes = round((state.seconds + time.time() - started) / 60, 1)
        print(
            json.dumps(
                {
                    "epoch": state.epoch,
                    "step": state.step,
                    "loss": round(result.get("loss", float("nan")), 4),
                    "calib": public(res),
                    "minutes": minutes,
                }
            ),
            flush=True,
        )
        if state.best is None or res["mean"] >= state.best or best_model is None:
            state.best, best, best_model = res["mean"], res, copy.deepcopy(model.state_dict())
            os.makedirs(os.path.dirname(best_path) or ".", exist_ok=True)
            torch.save({"state_dict": best_model, "figures": best}, best_path)
        save_training()
    if best_model is None:  # stopped before any evaluation (--stop-at): nothing to serve yet
        return state
    model.load_state_dict(best_model)
    temps = []
    for name in model.names:
        logits, target = best[name]["_logits"], best[name]["_y"]
        temps.append(round(fit_temperature(logits[None], target), 2) if len(target) else 1.0)
    with torch.no_grad():
        model.temperature.copy_(torch.tensor(temps))
    report = {
        "temperatures": dict(zip(model.names, temps)),
        "calib": public(best),
        "epoch_best_mean": best["mean"],
    }
    print(json.dumps(report), flush=True)
    meta = {
        **report,
        "train_rows": {a.name: int((y[train_idx, j] >= 0).sum()) for j, a in enumerate(ATTRIBUTES)},
        "args": {k: v for k, v in vars(args).items() if k not in ("resume", "checkpoint")},
    }
    save_checkpoint(args.out, model, data_sha256=data_sha256, half=True, meta=meta)
    return state


if __name__ == "__main__":
    main()
