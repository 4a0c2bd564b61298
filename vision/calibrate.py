"""Fit what the trained classifier learns after training, on frozen features: the photo-kind head and
the temperature of its type probabilities. Writes the classifier back with both.

    python -m vision.calibrate --pack data/v2/classifier.pt --weights runs/cls2/classifier.pt \
        --out vision/weights/classifier.pt

* Photo kind (one item laid flat or hung vs garments worn): logistic regression on the 1280-d pooled
  feature of whole photos, clothing-dataset photos (label 1) against whole CCP street photos (label 0)
  of the pack's training split, classes weighted equally, L2 ``--kind-l2``; each photo and its
  mirror image. Its accuracy is reported on the calibration split.
* Temperature scaling (Guo et al., "On Calibration of Modern Neural Networks", ICML 2017, section
  4.2): one scalar T dividing the logits, chosen on the clothing-dataset photos of the calibration
  split (held-out contributors, never the validation split that is reported) to minimise the
  negative log-likelihood of the served probabilities, the mean of softmax(logits / T) over the
  photo and its mirror image (the ``classify`` stage's flip test-time augmentation). T is searched
  on a grid of 0.50 to 4.00 in steps of 0.01 (a 1-D convex problem; a grid needs no tuning).

Prints one JSON line: temperature, NLL and ECE (15 bins, top-1 type probability) on the calibration
photos before and after, the kind head's accuracy per class on the calibration split. The figures go
into the checkpoint's ``meta["calibration"]``.
"""

from __future__ import annotations

import argparse
import json

import torch
import torch.nn.functional as F

from vision.checkpoints import load_checkpoint, model_from_checkpoint, save_checkpoint
from vision.metrics import expected_calibration_error
from vision.train_classifier import center

TEMPERATURES = torch.arange(0.5, 4.0001, 0.01)


@torch.no_grad()
def features_and_logits(model, images: torch.Tensor, batch: int = 128) -> tuple[torch.Tensor, torch.Tensor]:
    """Pooled features and type logits of uint8 (N, 3, S, S) pack images seen whole at the model's
    input size, and of their mirror images: float32 (2, N, 1280) and (2, N, n_types)."""
    feats, logits = [], []
    for flip in (False, True):
        f_parts, l_parts = [], []
        for i in range(0, len(images), batch):
            x = model.prepare(center(images[i : i + batch], model.input_size))
            f = model.backbone.pooled(x.flip(-1) if flip else x)
            f_parts.append(f)
            l_parts.append(model.fc(f))
        feats.append(torch.cat(f_parts))
        logits.append(torch.cat(l_parts))
    return torch.stack(feats), torch.stack(logits)


def served_probabilities(logits: torch.Tensor, temperature: float) -> torch.Tensor:
    """(V, N, C) logits of V views -> (N, C) mean of softmax(logits / temperature) over the views."""
    return torch.softmax(logits / temperature, dim=-1).mean(0)


def fit_temperature(logits: torch.Tensor, labels: torch.Tensor) -> float:
    """The T of :data:`TEMPERATURES` minimising the NLL of :func:`served_probabilities` at the
    integer ``labels`` (N,). ``logits``: (V, N, C)."""
    nll = [F.nll_loss(served_probabilities(logits, float(t)).clamp_min(1e-12).log(), labels) for t in TEMPERATURES]
    return float(TEMPERATURES[int(torch.stack(nll).argmin())])


def fit_kind_head(features: torch.Tensor, single: torch.Tensor, l2: float = 1e-3, steps: int = 200):
    """Class-balanced L2-regularised logistic regression (LBFGS) of ``single`` (bool (N,)) on
    ``features`` (float (N, D)). Returns ``(weight (D,), bias ())``."""
    x = features.float()
    y = single.float()
    mean, std = x.mean(0), x.std(0).clamp_min(1e-6)
    z = (x - mean) / std
    pos = y.mean().clamp(1e-6, 1 - 1e-6)
    sample_weight = torch.where(y > 0, 0.5 / pos, 0.5 / (1 - pos))
    w = torch.zeros(x.shape[1], requires_grad=True)
    b = torch.zeros((), requires_grad=True)
    opt = torch.optim.LBFGS([w, b], lr=1.0, max_iter=steps, line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        loss = (F.binary_cross_entropy_with_logits(z @ w + b, y, reduction="none") * sample_weight).mean()
        loss = loss + l2 * (w * w).sum()
        loss.backward()
        return loss

    opt.step(closure)
    w_raw = (w / std).detach()  # undo the standardisation: z @ w = x @ (w / std) - mean @ (w / std)
    return w_raw, (b - (mean * w_raw).sum()).detach()


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pack", default="data/v2/classifier.pt")
    ap.add_argument("--weights", required=True, help="the trained classifier (vision.train_classifier --out)")
    ap.add_argument("--out", required=True)
    ap.add_argument("--kind-l2", type=float, default=1e-3)
    ap.add_argument("--kind-split", default="train", help="pack split the kind head is fitted on")
    ap.add_argument("--split", default="calib", help="pack split the temperature is fitted on, and reported")
    ap.add_argument("--threads", type=int, default=0)
    args = ap.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    ckpt = load_checkpoint(args.weights)
    model = model_from_checkpoint(ckpt)
    pack = torch.load(args.pack)
    split = pack["split"]
    clothing = [i for i, s in enumerate(pack["source"]) if s == "clothing"]
    labels = torch.tensor([model.type_slugs.index(t) for t in pack["types"]])

    feats, logits = features_and_logits(model, pack["images"][clothing])
    scene_feats, _ = features_and_logits(model, pack["scenes"])
    c_split = [split[i] for i in clothing]

    def rows(split_list, name):
        return torch.tensor([s == name for s in split_list])

    c_train, s_train = rows(c_split, args.kind_split), rows(pack["scene_split"], args.kind_split)
    if not c_train.any() or not s_train.any():
        raise SystemExit(f"the pack's {args.kind_split!r} split lacks clothing-dataset photos or CCP photos")
    x = torch.cat([feats[:, c_train].flatten(0, 1), scene_feats[:, s_train].flatten(0, 1)])
    y = torch.cat([torch.ones(2 * int(c_train.sum())), torch.zeros(2 * int(s_train.sum()))]).bool()
    w, b = fit_kind_head(x, y, args.kind_l2)

    def kind_accuracy(f):  # (2, N, D) -> probability of "single" averaged over the views
        return torch.sigmoid(f @ w + b).mean(0)

    c_cal, s_cal = rows(c_split, args.split), rows(pack["scene_split"], args.split)
    if not c_cal.any():
        raise SystemExit(f"the pack's {args.split!r} split holds no clothing-dataset photo")
    cal_logits, cal_labels = logits[:, c_cal], labels[clothing][c_cal]
    t = fit_temperature(cal_logits, cal_labels)
    report = {"temperature": t, "n_calibration_photos": int(c_cal.sum())}
    for name, temp in (("before", 1.0), ("after", t)):
        p = served_probabilities(cal_logits, temp)
        conf, pred = p.max(1)
        report[f"nll_{name}"] = round(float(F.nll_loss(p.clamp_min(1e-12).log(), cal_labels)), 4)
        report[f"ece_{name}"] = round(expected_calibration_error(conf, pred == cal_labels), 4)
    report["calib_top1"] = round(float((served_probabilities(cal_logits, t).argmax(1) == cal_labels).float().mean()), 4)
    report["kind_single_recall"] = round(float((kind_accuracy(feats[:, c_cal]) >= 0.5).float().mean()), 4)
    report["kind_worn_recall"] = round(float((kind_accuracy(scene_feats[:, s_cal]) < 0.5).float().mean()), 4)
    report["kind_n"] = {"single": int(c_cal.sum()), "worn": int(s_cal.sum())}
    print(json.dumps(report), flush=True)

    with torch.no_grad():
        model.kind.weight.copy_(w[None])
        model.kind.bias.copy_(b[None])
        model.temperature.fill_(t)
    meta = {**ckpt["meta"], "calibration": report}
    save_checkpoint(args.out, model, data_sha256=ckpt["data_sha256"], half=True, meta=meta)


if __name__ == "__main__":
    main()
