"""Train the garment Mask R-CNN from scratch on the CCP pack (see vision.pack).

    python -m vision.train_detector --pack data/ccp.pt --out vision/weights/detector.pt \
        --minutes 60 --threads 1

Targets follow the instance rule of vision.datasets (all pixels of one category in a photo form
one instance). Augmentation: horizontal flip, colour jitter, and multi-scale training through
torchvision's transform (short side drawn from ``--train-sizes``), and Copy-Paste of
another photo's garments (``--copy-paste``). ``--init`` continues from earlier weights. AdamW with linear warm-up and
cosine decay over the wall-clock budget ``--minutes`` (or over ``--max-steps``), so the
same command fits a CPU or a GPU budget whatever else the machine is doing. Prints
JSON lines; writes fp16 weights with the metadata needed to rebuild the model.
"""
from __future__ import annotations

import argparse
import json
import math
import random
import time

import torch
from torchvision.transforms import v2

from vision import datasets, taxonomy
from vision.checkpoints import load_checkpoint, save_checkpoint
from vision.models import DETECTOR_ARCH
from vision.registry import build_model

MIN_TRAIN_AREA = 16  # pixels at pack resolution; smaller instances are not used as targets


def make_target(cat_map: torch.Tensor) -> dict:
    """Detection target of a uint8 (H, W) class-id map: boxes float (N, 4) x0,y0,x1,y1 pixels,
    labels int64 (N,), masks uint8 (N, H, W)."""
    insts = datasets.instances_from_category_map(cat_map.numpy(), MIN_TRAIN_AREA)
    if not insts:
        h, w = cat_map.shape
        return {"boxes": torch.zeros((0, 4)), "labels": torch.zeros((0,), dtype=torch.int64),
                "masks": torch.zeros((0, h, w), dtype=torch.uint8)}
    return {
        "boxes": torch.tensor([datasets.mask_box(m) for _, m in insts], dtype=torch.float32),
        "labels": torch.tensor([c for c, _ in insts], dtype=torch.int64),
        "masks": torch.from_numpy(__import__("numpy").stack([m for _, m in insts])).to(torch.uint8),
    }


_jitter = v2.ColorJitter(0.3, 0.3, 0.3, 0.02)


def copy_paste(image: torch.Tensor, cat_map: torch.Tensor, src_image: torch.Tensor, src_map: torch.Tensor,
               keep: float = 0.5):
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


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pack", default="data/ccp.pt")
    ap.add_argument("--out", default="vision/weights/detector.pt")
    ap.add_argument("--minutes", type=float, default=60.0)
    ap.add_argument("--max-steps", type=int, default=0, help="stop after N steps (smoke runs)")
    ap.add_argument("--batch-size", type=int, default=4)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--weight-decay", type=float, default=1e-4)
    ap.add_argument("--train-sizes", default="256,288,320,352", help="short sides, pixels")
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--copy-paste", type=float, default=0.3, help="probability of Copy-Paste per photo")
    ap.add_argument("--init", default="", help="start from these detector weights (a longer schedule in parts)")
    ap.add_argument("--save-every", type=float, default=10.0, help="minutes between checkpoints")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--train-on-all", action="store_true",
                    help="train on the validation split too (smoke runs on a handful of photos only)")
    args = ap.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    random.seed(args.seed)
    device = torch.device(args.device)

    pack = torch.load(args.pack)
    train_idx = [i for i, v in enumerate(pack["val"]) if args.train_on_all or not v]
    print(f"{len(train_idx)} training photos, {sum(pack['val'])} validation photos kept out")
    model = build_model(DETECTOR_ARCH, taxonomy.CATEGORY_SLUGS)
    if args.init:
        model.load_state_dict({k: v.float() for k, v in load_checkpoint(args.init)["state_dict"].items()})
    model = model.to(device)
    model.transform.min_size = tuple(int(s) for s in args.train_sizes.split(","))
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=args.lr, weight_decay=args.weight_decay)

    step, start, last_save = 0, time.time(), time.time()
    total_steps = args.max_steps or None
    order: list[int] = []
    while True:
        model.train()
        if not order:
            order = random.sample(train_idx, len(train_idx))
        idx, order = order[:args.batch_size], order[args.batch_size:]
        batch = []
        for i in idx:
            src = None
            if random.random() < args.copy_paste:
                j = random.choice(train_idx)
                src = (pack["images"][j], pack["cat_maps"][j])
            batch.append(sample(pack["images"][i], pack["cat_maps"][i], True, src))
        images = [b[0].to(device) for b in batch]
        targets = [{k: v.to(device) for k, v in b[1].items()} for b in batch]
        progress = step / total_steps if total_steps else (time.time() - start) / (args.minutes * 60)
        warm = min(1.0, (step + 1) / 200)
        lr = args.lr * warm * 0.5 * (1 + math.cos(math.pi * min(1.0, progress)))
        for g in opt.param_groups:
            g["lr"] = lr
        losses = model(images, targets)
        loss = sum(losses.values())
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 10.0)
        opt.step()
        step += 1
        if step % 25 == 0 or step == 1:
            print(json.dumps({"step": step, "lr": round(lr, 6), "loss": round(loss.item(), 4),
                              **{k: round(v.item(), 4) for k, v in losses.items()},
                              "minutes": round((time.time() - start) / 60, 1)}), flush=True)
        done = progress >= 1.0 or (total_steps is not None and step >= total_steps)
        if done or time.time() - last_save > args.save_every * 60:
            save_checkpoint(args.out, model, data_sha256=pack.get("index_sha256"), half=True,
                            meta={"step": step, "minutes": round((time.time() - start) / 60, 1)})
            last_save = time.time()
        if done:
            break


if __name__ == "__main__":
    main()
