"""Train the segmenter behind the learned cutout on the segmenter pack (see vision.cutout_data).

    python -m vision.train_segmenter --pack data/v2/cutout.pt --out vision/weights/segmenter.pt \
        --minutes 70 --threads 1
    python -m vision.train_segmenter ... --resume vision/weights/segmenter.train.pt   # continue exactly

Starts from the ImageNet EfficientNet-Lite0 encoder (vision.segmenter); the stem and the first
``--frozen-blocks`` blocks are not trained. Each step draws ``--batch-size`` samples of the training
split (worn, flat-lay and home kinds, vision.cutout_data.draw_sample) at ``--train-size`` pixels,
with brightness, contrast and saturation jitter of +-25 %. Loss: binary cross-entropy plus the soft
Dice loss (Milletari et al., V-Net, 2016), per pixel and per image. AdamW, linear warm-up then
cosine decay (vision.engine), the length from ``--minutes`` or ``--max-steps``.

Every ``--eval-every`` steps and at the end: the mean IoU (mask at 0.5) on a fixed draw of
``--eval-samples`` samples of the calibration split (seed 0), by kind; ``--out`` keeps the
checkpoint of the best mean, the training checkpoint is written each time. The figures reported are
measured on the validation split's hand-checked references (vision.evaluate segmenter), never here.
Prints JSON lines.
"""

from __future__ import annotations

import argparse
import random

import numpy as np
import torch
import torch.nn.functional as F

from vision import cutout_data, engine, rounds
from vision.registry import build_model
from vision.segmenter import SEGMENTER_ARCH, load_imagenet_encoder


def jitter(x: torch.Tensor) -> torch.Tensor:
    """float (N, 3, H, W) RGB 0..255 with brightness, contrast and saturation each scaled by U(0.75, 1.25)."""
    n = x.shape[0]
    x = x * torch.empty(n, 1, 1, 1).uniform_(0.75, 1.25)
    gray = (x * torch.tensor([0.299, 0.587, 0.114]).view(1, 3, 1, 1)).sum(1, keepdim=True)
    mean = gray.mean((2, 3), keepdim=True)
    x = (x - mean) * torch.empty(n, 1, 1, 1).uniform_(0.75, 1.25) + mean
    gray = (x * torch.tensor([0.299, 0.587, 0.114]).view(1, 3, 1, 1)).sum(1, keepdim=True)
    return ((x - gray) * torch.empty(n, 1, 1, 1).uniform_(0.75, 1.25) + gray).clamp(0, 255)


def seg_loss(logits: torch.Tensor, target: torch.Tensor) -> tuple[torch.Tensor, dict]:
    """BCE + soft Dice of logits (N, 1, H, W) against float targets (N, 1, H, W) in {0, 1}."""
    bce = F.binary_cross_entropy_with_logits(logits, target)
    p = torch.sigmoid(logits)
    inter = (p * target).sum((1, 2, 3))
    dice = 1 - (2 * inter + 1) / (p.sum((1, 2, 3)) + target.sum((1, 2, 3)) + 1)
    return bce + dice.mean(), {"bce": bce.detach(), "dice": dice.mean().detach()}


def batch_of(samples: list[tuple[np.ndarray, np.ndarray, str]]) -> tuple[torch.Tensor, torch.Tensor, list[str]]:
    """uint8 (N, 3, S, S) images, float (N, 1, S, S) targets and the kinds of drawn samples."""
    x = torch.from_numpy(np.stack([s[0] for s in samples])).permute(0, 3, 1, 2).contiguous()
    y = torch.from_numpy(np.stack([s[1] for s in samples])).float()[:, None]
    return x, y, [s[2] for s in samples]


def mean_iou_by_kind(model, batches, device) -> dict:
    """Mean IoU of ``predict > 0.5`` against the targets of ``batches``, overall and by kind."""
    model.eval()
    ious: dict[str, list[float]] = {}
    with torch.no_grad():
        for x, y, kinds in batches:
            pred = model.predict(model.prepare(x.to(device))).cpu() > 0.5
            t = y[:, 0] > 0.5
            inter = (pred & t).sum((1, 2)).float()
            union = (pred | t).sum((1, 2)).float().clamp(min=1)
            for k, v in zip(kinds, (inter / union).tolist()):
                ious.setdefault(k, []).append(v)
    out = {f"calib_iou_{k}": round(float(np.mean(v)), 4) for k, v in sorted(ious.items())}
    out["calib_iou"] = round(float(np.mean([v for vs in ious.values() for v in vs])), 4)
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pack", default="data/v2/cutout.pt")
    ap.add_argument("--out", default="vision/weights/segmenter.pt")
    ap.add_argument("--batch-size", type=int, default=12)
    ap.add_argument("--train-size", type=int, default=224, help="training crop side, pixels")
    ap.add_argument("--input-size", type=int, default=320, help="serving long side, pixels")
    ap.add_argument("--frozen-blocks", type=int, default=3)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--weight-decay", type=float, default=1e-4)
    ap.add_argument("--eval-every", type=int, default=200)
    ap.add_argument("--eval-samples", type=int, default=96)
    engine.add_training_arguments(ap, minutes=60.0, warmup=100)
    args = ap.parse_args(argv)
    device, started = engine.start_run(args)
    pack = torch.load(args.pack)
    data_sha256 = pack["index_sha256"]
    index = cutout_data.sample_index(pack, None if args.train_on_all else "train")
    calib = cutout_data.sample_index(pack, "calib")
    if args.train_on_all or not calib["home"] or not calib["ccp_train"]:
        calib = index
    rng_eval = random.Random(0)
    eval_samples = [cutout_data.draw_sample(pack, calib, args.train_size, rng_eval) for _ in range(args.eval_samples)]
    eval_batches = [batch_of(eval_samples[i : i + 16]) for i in range(0, len(eval_samples), 16)]

    model = build_model(SEGMENTER_ARCH, ["foreground"], input_size=args.input_size)
    if args.init:
        engine.init_weights(model, args.init)
    elif not args.resume:
        load_imagenet_encoder(model)
    frozen = [*model.backbone._conv_stem.parameters(), *model.backbone._bn0.parameters()]
    frozen += [p for b in model.backbone._blocks[: args.frozen_blocks] for p in b.parameters()]
    for p in frozen:
        p.requires_grad_(False)
    model = model.to(device)
    opt = torch.optim.AdamW(
        [p for p in model.parameters() if p.requires_grad], lr=args.lr, weight_decay=args.weight_decay
    )
    state, scheduler, hooks = rounds.start_or_resume(args, model, opt, data_sha256, args.max_steps)
    rng = random.Random(args.seed * 1000 + state.step)  # a resumed run draws new samples

    def loss_fn(model, batch, device):
        x, y, _ = batch
        return seg_loss(model(model.prepare(jitter(x.float()).to(device))), y.to(device))

    return rounds.train_in_rounds(
        model,
        opt,
        scheduler,
        state,
        hooks,
        args,
        draw=lambda: batch_of(
            [cutout_data.draw_sample(pack, index, args.train_size, rng) for _ in range(args.batch_size)]
        ),
        loss_fn=loss_fn,
        measure=lambda m: mean_iou_by_kind(m, eval_batches, device),
        device=device,
        started=started,
        data_sha256=data_sha256,
        log_every=50,
    )


if __name__ == "__main__":
    main()
