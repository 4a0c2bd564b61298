"""Train the garment-type classifier on the classifier pack (see vision.pack).

    python -m vision.train_classifier --pack data/v2/classifier.pt --out vision/weights/classifier.pt \
        --epochs 12 --threads 2
    python -m vision.train_classifier ... --resume vision/weights/classifier.train.pt   # continue exactly
    python -m vision.train_classifier ... --init vision/weights/classifier.pt           # fine-tune

``--arch`` picks the registered architecture: ``lite0_type_classifier`` (default) starts from the
ImageNet EfficientNet-Lite0 backbone (vision.lite0_models); ``type_classifier_bn_resnet`` is the
earlier small ResNet trained from scratch. Training set: the pack's "train" split (clothing-dataset
photos of training contributors, split by sender_id, and garment crops of CCP training photos, see
vision.datasets). The checkpoint kept as ``--out`` is chosen by top-1 on the clothing-dataset photos of
the calibration split, never on the validation split the figures are reported on. AdamW,
cross-entropy with label smoothing 0.1, linear warm-up then cosine
decay over a number of steps fixed by ``--epochs``/``--max-steps``, or from ``--minutes`` of
training time by timing the first steps (vision.engine), so the same command fits a CPU or a GPU
budget and a resumed run continues the same schedule.

Prints JSON lines: one per epoch (epoch, step, loss, calib_top1, minutes), then the best calib_top1.
Writes ``--out`` (fp16 serving weights, ``vision.checkpoints`` format) at every epoch whose
calibration top-1 is the best so far, and the training checkpoint (fp32 weights, optimizer,
scheduler, step, RNG states) at every epoch end, at ``--stop-at`` and at the end.
"""

from __future__ import annotations

import argparse
import json
import math
import time

import torch
import torch.nn.functional as F
from torchvision.transforms import v2

from vision import engine, lite0_models, presets, taxonomy
from vision.checkpoints import load_checkpoint, save_checkpoint, sha256_file
from vision.metrics import Top1Accumulator
from vision.registry import architectures, build_model


def augment(batch: torch.Tensor, size: int = presets.CLASSIFIER_SIZE) -> torch.Tensor:
    """Batched training augmentation, all samples at once (one affine ``grid_sample`` call).

    uint8 (N, 3, S, S) pack images -> float32 (N, 3, size, size) RGB in [0, 1] (the model's
    ``normalize`` comes after). Per sample: a random resized crop (area 35-100 %, aspect 3/4-4/3, as
    torchvision's RandomResizedCrop), rotation of up to 10 degrees, horizontal flip, brightness,
    contrast and saturation jitter of +-30 %, and 5 % grayscale. Doing this per image with
    torchvision's v2 transforms took about 1 s of a 1.8 s training step on one CPU thread.
    """
    n = batch.shape[0]
    x = batch.float().div_(255.0)
    area = torch.empty(n).uniform_(0.35, 1.0)
    ratio = torch.exp(torch.empty(n).uniform_(math.log(3 / 4), math.log(4 / 3)))
    sw, sh = (area * ratio).sqrt().clamp(max=1.0), (area / ratio).sqrt().clamp(max=1.0)
    cx, cy = (torch.rand(n) * 2 - 1) * (1 - sw), (torch.rand(n) * 2 - 1) * (1 - sh)
    angle = torch.empty(n).uniform_(-10, 10) * math.pi / 180
    flip = torch.where(torch.rand(n) < 0.5, -1.0, 1.0)
    cos, sin = torch.cos(angle), torch.sin(angle)
    theta = torch.stack(
        [torch.stack([cos * sw * flip, -sin * sh, cx], 1), torch.stack([sin * sw * flip, cos * sh, cy], 1)], 1
    )
    grid = F.affine_grid(theta, [n, 3, size, size], align_corners=False)
    x = F.grid_sample(x, grid, mode="bilinear", padding_mode="reflection", align_corners=False)
    gray_w = torch.tensor([0.299, 0.587, 0.114]).view(1, 3, 1, 1)
    x = x * torch.empty(n, 1, 1, 1).uniform_(0.7, 1.3)
    gray = (x * gray_w).sum(1, keepdim=True)
    c = torch.empty(n, 1, 1, 1).uniform_(0.7, 1.3)
    x = (x - gray.mean((2, 3), keepdim=True)) * c + gray.mean((2, 3), keepdim=True)
    gray = (x * gray_w).sum(1, keepdim=True)
    s = torch.empty(n, 1, 1, 1).uniform_(0.7, 1.3) * (torch.rand(n, 1, 1, 1) >= 0.05)
    return ((x - gray) * s + gray).clamp_(0.0, 1.0)


def center(batch: torch.Tensor, size: int = presets.CLASSIFIER_SIZE) -> torch.Tensor:
    """Evaluation view of a uint8 pack batch: the whole letterboxed photo resized to ``size``."""
    return v2.functional.resize(batch, [size] * 2, antialias=True)


class _Top1(Top1Accumulator):
    """Top-1 of logits against a batch's labels (the engine's accumulator protocol)."""

    def update(self, batch, outputs) -> None:
        self.add(outputs.cpu(), batch[1])


def _predict(model, batch, device):
    """Logits of a batch of uint8 pack images, seen whole at the serving side (:func:`center`)."""
    return model(model.prepare(center(batch[0], model.input_size).to(device)))


def _loss(train_size: int):
    """The training step's loss on a batch of (uint8 pack images, labels): augmentation, forward,
    cross-entropy with label smoothing 0.1."""

    def loss_fn(model, batch, device):
        images, labels = batch
        x = model.normalize(augment(images, train_size).to(device))
        # Unweighted: inverse-sqrt class weights (up to 24x for the rarest CCP types) kept the loss
        # near chance level for 2 epochs in a first run.
        return F.cross_entropy(model(x), labels.to(device), label_smoothing=0.1), {}

    return loss_fn


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pack", default="data/v2/classifier.pt")
    ap.add_argument(
        "--arch",
        default=lite0_models.CLASSIFIER_ARCH,
        choices=sorted(n for n, a in architectures().items() if a.task == "classifier"),
    )
    ap.add_argument("--input-size", type=int, default=192, help="serving side, pixels (Lite0 only)")
    ap.add_argument("--out", default="vision/weights/classifier.pt")
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument(
        "--train-size",
        type=int,
        default=160,
        help="training crop side, pixels; below the serving side on purpose (Touvron et al., "
        "'Fixing the train-test resolution discrepancy', NeurIPS 2019)",
    )
    ap.add_argument("--lr", type=float, default=5e-4)
    ap.add_argument("--weight-decay", type=float, default=0.01)
    engine.add_training_arguments(ap, minutes=45.0, warmup=150)
    args = ap.parse_args(argv)
    device, started = engine.start_run(args)

    pack = torch.load(args.pack)
    data_sha256 = pack.get("index_sha256") or sha256_file(args.pack)  # packs before the index: the file
    order = {t.slug: i for i, t in enumerate(taxonomy.TYPES)}
    type_slugs = sorted(set(pack["types"]), key=order.__getitem__)
    y = torch.tensor([type_slugs.index(t) for t in pack["types"]])
    split = pack.get("split") or ["val" if v else "train" for v in pack["val"].tolist()]
    clothing = torch.tensor([s == "clothing" for s in pack["source"]])
    held = torch.tensor([s == "calib" for s in split]) & clothing
    if not held.any():  # packs without a calibration split (and the smoke run's few photos)
        held = torch.tensor([s != "train" for s in split]) & clothing
    train_idx = torch.nonzero(torch.tensor([s == "train" for s in split]) | args.train_on_all).flatten()
    val_idx = torch.nonzero(held).flatten()
    images = pack["images"]
    print(f"{len(type_slugs)} types, {len(train_idx)} training, {len(val_idx)} checkpoint-choice images")

    config = {"input_size": args.input_size} if args.arch == lite0_models.CLASSIFIER_ARCH else {}
    model = build_model(args.arch, type_slugs, **config)
    if args.init:
        engine.init_weights(model, args.init)
    elif args.arch == lite0_models.CLASSIFIER_ARCH and not args.resume:
        lite0_models.load_imagenet_backbone(model)
    model = model.to(device)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=args.weight_decay)
    steps_per_epoch = max(1, len(train_idx) // args.batch_size)
    total = engine.schedule_steps(args, steps_per_epoch)
    state = engine.TrainState(total_steps=total, warmup_steps=engine.warmup_length(args.warmup, total))
    scheduler = engine.build_scheduler(opt, total, args.warmup)
    if args.resume:
        ckpt = load_checkpoint(args.resume)
        engine.check_resume(ckpt, args, data_sha256)
        state = engine.restore(ckpt, model, opt, scheduler)
    hooks = [engine.StepBudget(args.minutes * 60, scheduler, state)] if not state.total_steps else []
    if args.stop_at:
        hooks.append(lambda s: s.step >= args.stop_at)

    def save_training():
        training = engine.training_section(opt, scheduler, state, args, state.seconds + time.time() - started)
        save_checkpoint(
            engine.checkpoint_path(args),
            model,
            data_sha256=data_sha256,
            training=training,
            meta={"step": state.step, "epoch": state.epoch},
        )

    def epoch_batches():
        for b in range(state.batch, steps_per_epoch):
            idx = torch.tensor(state.order[b * args.batch_size : (b + 1) * args.batch_size])
            yield images[idx], y[idx]

    val_batches = [(images[val_idx[i : i + 256]], y[val_idx[i : i + 256]]) for i in range(0, len(val_idx), 256)]
    while not state.total_steps or state.step < state.total_steps:
        if not state.order:
            state.order = train_idx[torch.randperm(len(train_idx))].tolist()
        result = engine.train_one_epoch(
            model,
            opt,
            scheduler,
            epoch_batches(),
            device,
            loss_fn=_loss(args.train_size),
            state=state,
            started=started,
            hooks=hooks,
        )
        finished = bool(state.total_steps) and state.step >= state.total_steps
        if not result["completed"] and not finished:  # --stop-at: keep the state, evaluate nothing
            save_training()
            break
        if not result["completed"]:  # the schedule ended inside this epoch: it is the last one
            state.epoch, state.batch, state.order = state.epoch + 1, 0, []
        acc = engine.evaluate(model, val_batches, device, predict=_predict, accumulator=_Top1())["top1"]
        loss = round(result["loss"], 4) if "loss" in result else None  # None: resumed at the epoch's end
        print(
            json.dumps(
                {
                    "epoch": state.epoch,
                    "step": state.step,
                    "loss": loss,
                    "calib_top1": round(acc, 4),
                    "minutes": round((state.seconds + time.time() - started) / 60, 1),
                }
            ),
            flush=True,
        )
        if state.best is None or acc >= state.best:
            state.best = acc
            save_checkpoint(
                args.out,
                model,
                data_sha256=data_sha256,
                half=True,
                meta={"calib_top1": acc, "epoch": state.epoch, "step": state.step},
            )
        save_training()
    print(
        json.dumps(
            {
                "best_calib_top1": None if state.best is None else round(state.best, 4),
                "step": state.step,
                "minutes": round((state.seconds + time.time() - started) / 60, 1),
            }
        )
    )
    return state


if __name__ == "__main__":
    main()
