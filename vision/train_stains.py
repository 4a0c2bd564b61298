"""Train the stain segmentation model on synthetic stains laid on clean garment photos.

    python -m vision.stain_data --data ../shared/datasets/clothing-dataset --out data/stains/pack.pt
    python -m vision.train_stains --data ../shared/datasets/clothing-dataset --pack data/stains/pack.pt \
        --out runs/stain.pt --minutes 45 --threads 1 --size 192
    python -m vision.train_stains ... --resume runs/stain.train.pt       # continue exactly

The pack (:mod:`vision.stain_data`) is built from ``--data`` when ``--pack`` does not exist. Training
draws from the **train** split's garments only (by contributor, :func:`vision.datasets.clothing_split`);
each sample carries a synthetic stain (:mod:`vision.stain_synth`) with probability ``--p-stain`` (0.5:
half the samples are clean, so the model learns not to fire on prints, patterns and shadows), and is
mirrored at random, with brightness/contrast/saturation jitter of +-20 %. With ``--p-hard``, that
share of the samples are instead clean **hard negatives**: train crops on which the starting weights
fire (:func:`hard_negatives`, score >= ``--hard-threshold``), mined once before the
first step, outside the ``--minutes`` budget. With ``--patch P``, each sample is cut to a P x P
window of its ``--size`` square (:func:`vision.stain_data.patch_of`: mostly around the stain when
there is one), so a step costs about (P / size)^2 of a whole sample's and the model sees more
stains at the served scale; the
batch-norm statistics then stay those of the starting weights (a window is not a garment).
Model: :mod:`vision.stain_model`,
its encoder started from our fine-tuned ``vision/weights/classifier.pt`` backbone (``--encoder``;
``imagenet`` for the ImageNet Lite0 weights); the stem and block 0 are frozen. Loss: binary
cross-entropy plus the soft Dice loss (Milletari et al., V-Net, 2016) over the batch, at half the input
resolution against the area-averaged target (with ``--image-dice W``, that share of the Dice term is
instead the mean of each stained sample's own Dice: :func:`stain_loss`). AdamW, linear warm-up then cosine decay
(:mod:`vision.engine`), the length from ``--minutes``, ``--epochs`` or ``--max-steps``.

Every ``--eval-every`` steps and at the end: on a fixed set of ``--eval-samples`` **calib** samples
(seed 0; half stained), the mean IoU of stained samples (probability >= 0.5) and the share of clean
ones whose highest probability is >= 0.5; ``--out`` keeps the checkpoint of the best calib IoU (with
``--max-clean-alarm``, among the rounds whose clean share is within it: :func:`kept_by`). The
decision rule ("found") is then chosen on the calib split by :mod:`vision.stain_eval` (``--choose``),
and figures are measured on the val split by ``python -m vision.evaluate stains``, never here.
Prints JSON lines.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from vision import engine, rounds, stain_data
from vision.checkpoints import WEIGHTS_DIR
from vision.registry import build_model
from vision.stain_model import STAIN_ARCH, load_encoder


def jitter(x: torch.Tensor) -> torch.Tensor:
    """float (N, 3, H, W) RGB 0..255 with brightness, contrast and saturation each scaled by U(0.8, 1.2)."""
    n = x.shape[0]
    w = torch.tensor([0.299, 0.587, 0.114]).view(1, 3, 1, 1)
    x = x * torch.empty(n, 1, 1, 1).uniform_(0.8, 1.2)
    mean = (x * w).sum(1, keepdim=True).mean((2, 3), keepdim=True)
    x = (x - mean) * torch.empty(n, 1, 1, 1).uniform_(0.8, 1.2) + mean
    gray = (x * w).sum(1, keepdim=True)
    return ((x - gray) * torch.empty(n, 1, 1, 1).uniform_(0.8, 1.2) + gray).clamp(0, 255)


def stain_loss(logits: torch.Tensor, target: torch.Tensor, image_dice: float = 0.0) -> tuple[torch.Tensor, dict]:
    """BCE + soft Dice (over the whole batch, so clean samples count) of logits (N, 1, h, w) against
    float targets (N, 1, h, w) in [0, 1].

    With ``image_dice`` = w > 0 the Dice term is ``(1 - w) * batch Dice + w * per-image Dice``, the
    latter the mean soft Dice loss of the stained samples (target sum > 0) each on its own: the batch
    Dice weighs a stain by its pixels, so small stains count little, while the figure that matters is
    the mean IoU per stained photo (the per-image loss of Berman et al. 2018, "The Lovasz-Softmax
    loss", section 3, made with the soft Dice surrogate). Raises ValueError for w outside [0, 1]."""
    if not 0.0 <= image_dice <= 1.0:
        raise ValueError("image_dice must be in [0, 1]")
    bce = F.binary_cross_entropy_with_logits(logits, target)
    p = torch.sigmoid(logits)
    dice = 1 - (2 * (p * target).sum() + 1) / (p.sum() + target.sum() + 1)
    parts = {"bce": bce.detach(), "dice": dice.detach()}
    stained = target.flatten(1).sum(1) > 0
    if image_dice > 0 and stained.any():
        pi, ti = p.flatten(1)[stained], target.flatten(1)[stained]
        per_image = (1 - (2 * (pi * ti).sum(1) + 1) / (pi.sum(1) + ti.sum(1) + 1)).mean()
        parts["image_dice"] = per_image.detach()
        dice = (1 - image_dice) * dice + image_dice * per_image
    return bce + dice, parts


def batch_of(samples) -> tuple[torch.Tensor, torch.Tensor]:
    """uint8 (N, 3, S, S) inputs and float (N, 1, S, S) targets of drawn samples."""
    x = torch.from_numpy(np.stack([s[0] for s in samples])).permute(0, 3, 1, 2).contiguous()
    y = torch.from_numpy(np.stack([s[1] for s in samples])).float()[:, None]
    return x, y


def half_target(y: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """Targets (N, 1, S, S) area-averaged to the logits' ``size``."""
    return F.adaptive_avg_pool2d(y, size)


class Batches(torch.utils.data.IterableDataset):
    """An endless stream of ``make_batch(rng)`` for a ``DataLoader`` with workers (``--workers``): each
    worker draws with its own ``numpy`` generator, seeded by ``(seed, worker id)``, so the workers'
    samples differ and a run is repeatable for a given seed and worker count."""

    def __init__(self, make_batch, seed: int):
        super().__init__()
        self.make_batch, self.seed = make_batch, seed

    def __iter__(self):
        info = torch.utils.data.get_worker_info()
        torch.set_num_threads(1)
        rng = np.random.default_rng([self.seed, info.id if info is not None else 0])
        while True:
            yield self.make_batch(rng)


def parallel_draw(make_batch, seed: int, workers: int):
    """A ``draw()`` callable returning the next batch of ``make_batch(rng)`` built by ``workers``
    processes (forked, so the pack is shared, not copied up front), 4 batches ahead each."""
    loader = torch.utils.data.DataLoader(
        Batches(make_batch, seed), batch_size=None, num_workers=workers, prefetch_factor=4, persistent_workers=True
    )
    stream = iter(loader)
    return lambda: next(stream)


def calib_figures(model, batches, device) -> dict:
    """Mean IoU (probability >= 0.5, at input resolution) of the stained samples of ``batches`` and
    the share of clean ones whose highest probability is >= 0.5."""
    model.eval()
    ious, alarms = [], []
    with torch.no_grad():
        for x, y in batches:
            p = model.predict(model.prepare(x.to(device))).cpu()
            p = F.interpolate(p[:, None], size=y.shape[-2:], mode="bilinear", align_corners=False)[:, 0]
            pred, t = p >= 0.5, y[:, 0] > 0.5
            for pi, ti, mi in zip(pred, t, p):
                if ti.any():
                    ious.append(float((pi & ti).sum()) / float((pi | ti).sum()))
                else:
                    alarms.append(float(mi.max() >= 0.5))
    return {"calib_iou": round(float(np.mean(ious)), 4), "calib_false_alarm": round(float(np.mean(alarms)), 4)}


def kept_by(figures: dict, max_clean_alarm: float | None) -> float:
    """The figure a round's weights are kept by (higher is better): the calib IoU of
    :func:`calib_figures`, less 1 when ``max_clean_alarm`` is given and the round's share of clean
    samples with a pixel >= 0.5 (``calib_false_alarm``) is above it. IoUs lie in [0, 1], so any round
    within the bound beats any round above it, and among rounds on one side the IoU decides. Why: a
    run kept its best-IoU round, where twice the clean samples fired as at its end, and its first look
    on calib fell 3.3 points below the end's (the stain model card, 2026-12-05, fifth session)."""
    over = max_clean_alarm is not None and figures["calib_false_alarm"] > max_clean_alarm
    return figures["calib_iou"] - (1.0 if over else 0.0)


def hard_negatives(pack: dict, index: list[int], model, threshold: float = 0.5) -> tuple[list[int], list[float]]:
    """The crops of ``index`` on which ``model`` (a stain model in eval mode) fires while they are
    clean: those whose stain score as served (:meth:`vision.stages.stain.StainStage.finding`: the
    highest 3x3-mean probability on the garment) is >= ``threshold``, each crop taken whole as one
    garment, unmirrored. Returns ``(hard, scores)``: pack indices in ``index`` order, and the score of
    every crop of ``index``."""
    from vision.contract import GarmentInstance
    from vision.stages.stain import StainStage

    stage = StainStage(model, torch.device("cpu"))
    hard, scores = [], []
    for i in index:
        rgb, mask = stain_data.load_crop(pack, i)
        inst = GarmentInstance(box=(0, 0, mask.shape[1], mask.shape[0]), mask=mask)
        score = stage.finding(stage.probabilities(rgb, [inst])[0], inst, mask.shape).score
        scores.append(score)
        if score >= threshold:
            hard.append(i)
    return hard, scores


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default="../shared/datasets/clothing-dataset")
    ap.add_argument("--pack", default="data/stains/pack.pt")
    ap.add_argument("--out", default="runs/stain.pt")
    ap.add_argument("--size", type=int, default=192, help="input square side, pixels (a multiple of 32)")
    ap.add_argument("--batch-size", type=int, default=16)
    ap.add_argument("--p-stain", type=float, default=0.5)
    ap.add_argument("--encoder", default="classifier", help="'classifier' (our classifier.pt) or 'imagenet'")
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--weight-decay", type=float, default=1e-4)
    ap.add_argument("--eval-every", type=int, default=250)
    ap.add_argument("--eval-samples", type=int, default=96)
    ap.add_argument(
        "--image-dice", type=float, default=0.0, help="weight of the per-image Dice of stained samples (0..1)"
    )
    ap.add_argument("--p-hard", type=float, default=0.0, help="share of samples that are clean hard negatives")
    ap.add_argument("--hard-threshold", type=float, default=0.5, help="stain score that makes a clean crop hard")
    ap.add_argument("--workers", type=int, default=0, help="processes drawing samples (0: the training process)")
    ap.add_argument(
        "--patch", type=int, default=0, help="train on windows of this side (pixels) of the --size sample; BN frozen"
    )
    ap.add_argument(
        "--max-clean-alarm",
        type=float,
        default=None,
        help="keep --out only from rounds whose calib clean share is at most this (any round while none is)",
    )
    engine.add_training_arguments(ap, minutes=45.0, warmup=100)
    args = ap.parse_args(argv)
    device, started = engine.start_run(args)
    if device.type == "cuda":
        torch.backends.cudnn.benchmark = True
        torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = True
    if not Path(args.pack).exists():
        splits = ("train", "calib", "val") if args.train_on_all else ("train", "calib")
        pack = stain_data.build_pack(args.data, splits, limit=40 if args.train_on_all else 0)
        Path(args.pack).parent.mkdir(parents=True, exist_ok=True)
        torch.save(pack, args.pack)
    pack = torch.load(args.pack)
    data_sha256 = pack["index_sha256"]
    index = stain_data.split_index(pack, None if args.train_on_all else "train")
    calib = stain_data.split_index(pack, "calib") or index
    rng_eval = np.random.default_rng(0)
    eval_samples = [
        stain_data.draw_sample(pack, calib, args.size, rng_eval, p_stain=float(i % 2 == 0))
        for i in range(args.eval_samples)
    ]
    eval_batches = [batch_of(eval_samples[i : i + 16]) for i in range(0, len(eval_samples), 16)]

    model = build_model(STAIN_ARCH, ["stain"], input_size=args.size)
    if args.init:
        engine.init_weights(model, args.init, free=("input_size",))  # fully convolutional
    elif not args.resume:
        load_encoder(model, None if args.encoder == "imagenet" else str(WEIGHTS_DIR / "classifier.pt"))
    b = model.backbone
    for p in [*b._conv_stem.parameters(), *b._bn0.parameters(), *b._blocks[0].parameters()]:
        p.requires_grad_(False)
    model = model.to(device)
    opt = torch.optim.AdamW(
        [p for p in model.parameters() if p.requires_grad], lr=args.lr, weight_decay=args.weight_decay
    )
    total = engine.schedule_steps(args, max(1, len(index) // args.batch_size))
    state, scheduler, hooks = rounds.start_or_resume(args, model, opt, data_sha256, total)
    rng = np.random.default_rng(args.seed * 1000 + state.step)  # a resumed run draws new samples
    hard = []
    if args.p_hard > 0:  # mined once, with the weights training starts from (a resume mines again)
        hard, _ = hard_negatives(pack, index, model.eval(), args.hard_threshold)
        model.train()
        for hook in hooks:  # --minutes counts training steps: the mining comes on top
            if isinstance(hook, engine.StepBudget):
                hook.restart(state)
        print(json.dumps({"hard_negatives": len(hard), "of": len(index)}), flush=True)

    def sample(rng):
        if hard and rng.random() < args.p_hard:
            drawn = stain_data.draw_sample(pack, hard, args.size, rng, p_stain=0.0)
        else:
            drawn = stain_data.draw_sample(pack, index, args.size, rng, args.p_stain)
        return stain_data.patch_of(drawn, args.patch, rng) if args.patch else drawn

    def make_batch(rng):
        return batch_of([sample(rng) for _ in range(args.batch_size)])

    if args.workers > 0:
        draw = parallel_draw(make_batch, args.seed * 1000 + state.step, args.workers)
    else:
        draw = lambda: make_batch(rng)  # noqa: E731

    def loss_fn(model, batch, device):
        x, y = batch
        if args.patch:  # a window's statistics are not a garment's: keep the BN statistics served
            for m in model.modules():
                if isinstance(m, torch.nn.modules.batchnorm._BatchNorm):
                    m.eval()
        logits = model(model.prepare(jitter(x.float()).to(device)))
        return stain_loss(logits, half_target(y, logits.shape[-2:]).to(device), args.image_dice)

    return rounds.train_in_rounds(
        model,
        opt,
        scheduler,
        state,
        hooks,
        args,
        draw=draw,
        loss_fn=loss_fn,
        measure=lambda m: calib_figures(m, eval_batches, device),
        device=device,
        started=started,
        data_sha256=data_sha256,
        log_every=25,
        meta={"size": args.size, "image_dice": args.image_dice, "patch": args.patch},
        rank=None if args.max_clean_alarm is None else (lambda figures: kept_by(figures, args.max_clean_alarm)),
    )


if __name__ == "__main__":
    main()
