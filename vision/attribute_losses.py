"""Losses and running figures of the attribute classifier's training (:mod:`vision.train_attributes`)."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from vocabulary.attributes import ATTRIBUTES


def masked_loss(
    logits: dict[str, torch.Tensor],
    y: torch.Tensor,
    smoothing: float = 0.05,
    weights: dict[str, torch.Tensor] | None = None,
):
    """Sum over heads of the mean cross-entropy over rows labelled for that head (``y`` int64
    (N, n_attributes), -1 where empty), each value weighted by ``weights[attribute]`` (float (n
    values,); None: all 1); heads absent from ``logits`` (a model answering some attributes only) are
    skipped. Returns (loss, {attribute: its part})."""
    total = sum(v.sum() * 0.0 for v in logits.values())  # keeps the graph when no row is labelled
    parts = {}
    for j, a in enumerate(ATTRIBUTES):
        keep = y[:, j] >= 0
        if keep.any() and a.name in logits:
            w = None if weights is None else weights[a.name].to(logits[a.name].device)
            parts[a.name] = F.cross_entropy(logits[a.name][keep], y[keep, j], weight=w, label_smoothing=smoothing)
            total = total + parts[a.name]
    return total, parts


def value_weights(y: torch.Tensor, power: float) -> dict[str, torch.Tensor]:
    """Per attribute, a weight for each value: ``(n_v + 1) ** -power`` (``n_v`` its labelled rows in
    ``y``, int64 (N, n_attributes), -1 where empty), scaled so the rows' mean weight is 1; power 0:
    all 1, 0.5: the square-root re-balancing of rare classes (as in Mahajan et al., ECCV 2018)."""
    out = {}
    for j, a in enumerate(ATTRIBUTES):
        col = y[:, j][y[:, j] >= 0]
        n = torch.bincount(col, minlength=len(a.slugs)).float()
        w = (n + 1) ** -power
        out[a.name] = w * (n.sum() / (w * n).sum()) if n.sum() > 0 else torch.ones(len(a.slugs))
    return out


class HeadAccuracy:
    """Accumulates logits and targets; ``compute()``: accuracy and count per head, ``mean`` accuracy
    over heads with rows, and the logits/targets (for the temperatures); ``names``: the heads of the
    model (default: every attribute)."""

    def __init__(self, names: list[str] | None = None):
        self.names = list(names) if names is not None else [a.name for a in ATTRIBUTES]
        self.logits: dict[str, list] = {name: [] for name in self.names}
        self.y: list = []

    def update(self, batch, outputs) -> None:
        for name in self.logits:
            self.logits[name].append(outputs[name].float().cpu())
        self.y.append(batch[1])

    def compute(self) -> dict:
        y = torch.cat(self.y) if self.y else torch.zeros((0, len(ATTRIBUTES)), dtype=torch.int64)
        out, accs = {}, []
        for j, a in enumerate(ATTRIBUTES):
            if a.name not in self.logits:
                continue
            keep = y[:, j] >= 0
            logits = torch.cat(self.logits[a.name]) if self.logits[a.name] else torch.zeros((0, len(a.slugs)))
            n = int(keep.sum())
            acc = float((logits[keep].argmax(1) == y[keep, j]).float().mean()) if n else None
            out[a.name] = {"n": n, "accuracy": None if acc is None else round(acc, 4)}
            if acc is not None:
                accs.append(acc)
            out[a.name]["_logits"], out[a.name]["_y"] = logits[keep], y[keep, j]
        out["mean"] = round(sum(accs) / len(accs), 4) if accs else 0.0
        return out


def public(result: dict) -> dict:
    """:class:`HeadAccuracy` figures without the tensors."""
    return {
        k: ({kk: vv for kk, vv in v.items() if not kk.startswith("_")} if isinstance(v, dict) else v)
        for k, v in result.items()
    }
