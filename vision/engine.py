"""The training engine both training scripts share, as in torchvision's references/detection
(``train_one_epoch`` and ``evaluate`` in ``engine.py``), plus the learning-rate schedule and the
training state a checkpoint carries.

Schedule: linear warm-up (Goyal et al., "Accurate, Large Minibatch SGD: Training ImageNet in 1
Hour", 2017) then cosine decay to 0 (Loshchilov & Hutter, "SGDR: Stochastic Gradient Descent with
Warm Restarts", ICLR 2017, without restarts), built from ``torch.optim.lr_scheduler``
(``SequentialLR(LinearLR, CosineAnnealingLR)``) and stepped once per optimizer step. Its length is
a number of steps fixed before the cosine starts (from ``--epochs``/``--max-steps``, or from
``--minutes`` by :class:`StepBudget`) and stored in checkpoints, so a resumed run follows the
schedule of an uninterrupted one exactly.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

import torch
from torch.optim.lr_scheduler import CosineAnnealingLR, LinearLR, LRScheduler, SequentialLR

#: One training step's loss: ``loss_fn(model, batch, device) -> (scalar loss, {name: scalar part})``.
LossFn = Callable[[torch.nn.Module, Any, torch.device], tuple[torch.Tensor, dict[str, torch.Tensor]]]


@dataclass
class TrainState:
    """Where a training run is; saved in training checkpoints (``as_dict``) for ``--resume``.

    ``total_steps``: length of the schedule in optimizer steps (0 while ``--minutes`` has not fixed
    it yet); ``warmup_steps``: its linear warm-up; ``step``: optimizer steps done; ``epoch``: epochs
    completed; ``batch``: batches of the current epoch done; ``order``: the current epoch's sample
    order (empty between epochs); ``best``: the best validation figure so far (the script's own,
    None before the first evaluation); ``seconds``: wall time of the run before this process.
    """

    total_steps: int
    warmup_steps: int
    step: int = 0
    epoch: int = 0
    batch: int = 0
    order: list[int] = field(default_factory=list)
    best: float | None = None
    seconds: float = 0.0

    def as_dict(self) -> dict:
        """Plain dict of the fields (loads with ``weights_only=True``)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> TrainState:
        """Inverse of :meth:`as_dict`."""
        return cls(**d)


def warmup_length(warmup_steps: int, total_steps: int) -> int:
    """Warm-up steps of a schedule of ``total_steps`` (0: not known yet): ``warmup_steps``, at
    most half the schedule."""
    return min(warmup_steps, total_steps // 2) if total_steps else warmup_steps


def build_scheduler(optimizer: torch.optim.Optimizer, total_steps: int, warmup_steps: int) -> LRScheduler:
    """Linear warm-up then cosine decay, stepped once per optimizer step.

    The learning rate of step ``s`` (0-based) is ``lr * (s + 1) / W`` for ``s < W``, then
    ``lr * (1 + cos(pi * (s - W) / (T - W))) / 2`` (reaching 0 at ``s = T``), with ``lr`` the
    optimizer's, ``W = warmup_length(warmup_steps, total_steps)`` and ``T = total_steps``.

    Args:
        optimizer: its param groups' ``lr`` are the peak rates.
        total_steps: schedule length ``T``; 0 when not known yet (``--minutes``): fix it with
            :func:`set_total_steps` before the warm-up ends.
        warmup_steps: requested warm-up length.
    Returns:
        ``SequentialLR(LinearLR, CosineAnnealingLR)``, or ``CosineAnnealingLR`` alone when the
        warm-up is shorter than 2 steps.
    Raises:
        ValueError: ``total_steps`` is 0 and the warm-up is shorter than 3 steps (too short to time
            the run in before the cosine starts).
    """
    warmup = warmup_length(warmup_steps, total_steps)
    if not total_steps and warmup < 3:
        raise ValueError("a wall-clock budget needs a warm-up of at least 3 steps (to time steps in)")
    if warmup < 2:
        return CosineAnnealingLR(optimizer, T_max=total_steps)
    linear = LinearLR(optimizer, start_factor=1.0 / warmup, end_factor=1.0, total_iters=warmup - 1)
    cosine = CosineAnnealingLR(optimizer, T_max=max(1, total_steps - warmup))
    return SequentialLR(optimizer, [linear, cosine], milestones=[warmup])


def set_total_steps(scheduler: LRScheduler, total_steps: int) -> None:
    """Fix the length of a schedule built with ``total_steps=0``, while still in its warm-up.

    Raises ValueError when the cosine part has started (its length can no longer change exactly).
    """
    if not isinstance(scheduler, SequentialLR) or scheduler.last_epoch >= scheduler._milestones[0]:
        raise ValueError("the schedule's length can only be set during its warm-up")
    scheduler._schedulers[1].T_max = max(1, total_steps - scheduler._milestones[0])


class StepBudget:
    """Turns a wall-clock budget into a schedule length, as a hook of :func:`train_one_epoch`:
    after ``probe`` steps following the first (whose time includes one-off start-up costs), the
    total is ``steps done + remaining budget / mean step time``, at least the warm-up + 1, and is
    set on the scheduler (still in its warm-up) and in ``state.total_steps``.

    Args:
        seconds: the budget, training steps only: evaluation and checkpoint time come on top.
        scheduler: from :func:`build_scheduler` with ``total_steps=0``.
        state: the run's state; its ``seconds`` (time of earlier processes) counts as spent.
    """

    def __init__(
        self,
        seconds: float,
        scheduler: LRScheduler,
        state: TrainState,
        probe: int = 20,
        log: Callable[[dict], None] | None = None,
    ):
        self.seconds = seconds
        self.scheduler = scheduler
        self.probe = max(1, min(probe, state.warmup_steps - 2))
        self.log = log or log_json
        self._begin = time.perf_counter() - state.seconds
        self._first: tuple[int, float] | None = None  # (step, time) after the first step timed

    def restart(self, state: TrainState) -> None:
        """Start the budget's clock now (``state.seconds`` still counting as spent): for one-off work
        done after the budget was made and before the first step, such as mining hard negatives,
        which, like evaluation, comes on top of the budget."""
        self._begin = time.perf_counter() - state.seconds

    def __call__(self, state: TrainState) -> bool:
        """Hook: times the steps and fixes ``state.total_steps`` once; never asks to stop."""
        if state.total_steps:
            return False
        now = time.perf_counter()
        if self._first is None:
            self._first = (state.step, now)
            return False
        if state.step - self._first[0] < self.probe:
            return False
        per_step = (now - self._first[1]) / (state.step - self._first[0])
        remaining = self.seconds - (now - self._begin)
        total = max(state.warmup_steps + 1, state.step + int(remaining / per_step))
        set_total_steps(self.scheduler, total)
        state.total_steps = total
        self.log({"step": state.step, "seconds_per_step": round(per_step, 4), "total_steps": total})
        return False


def log_json(record: dict) -> None:
    """Print one JSON line (flushed), as the training scripts log."""
    print(json.dumps(record), flush=True)


def train_one_epoch(
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    scheduler: LRScheduler,
    data: Iterable[Any],
    device: torch.device,
    *,
    loss_fn: LossFn,
    state: TrainState,
    max_norm: float | None = None,
    log_every: int = 0,
    started: float | None = None,
    hooks: Sequence[Callable[[TrainState], bool]] = (),
    log: Callable[[dict], None] = log_json,
) -> dict:
    """Train on ``data``, the rest of the current epoch (all of it unless resuming mid-epoch).

    Each batch: ``loss_fn``, backward, gradient-norm clipping at ``max_norm`` (when given),
    ``optimizer.step()``, ``scheduler.step()``, then ``state.step`` and ``state.batch`` + 1. Stops
    early when ``state.step`` reaches ``state.total_steps`` (when known) or a hook returns True.

    Args:
        data: iterable of batches for ``loss_fn``, built lazily (augmentation draws from the
            global random generators, in step order).
        state: updated in place; on a completed epoch ``epoch`` + 1, ``batch`` 0, ``order`` [].
        log_every: print a JSON line (step, lr of the step, loss and its parts, minutes) every this
            many steps and after the first; 0: never.
        started: ``time.time()`` when this process started training (for the minutes logged).
        hooks: called with the state after each step (checkpoint saving, stopping, budgets).
    Returns:
        ``{"loss": last loss, **last parts, "completed": whether the epoch was completed}`` (floats).
    Raises:
        FloatingPointError: when a loss is not finite (as torchvision's references stop).
    """
    model.train()
    started = time.time() if started is None else started
    params = [p for g in optimizer.param_groups for p in g["params"]]
    last: dict[str, float] = {}
    for batch in data:
        loss, parts = loss_fn(model, batch, device)
        if not math.isfinite(loss.item()):
            raise FloatingPointError(f"loss is {loss.item()} at step {state.step}: {parts}")
        lr = optimizer.param_groups[0]["lr"]
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        if max_norm:
            torch.nn.utils.clip_grad_norm_(params, max_norm)
        optimizer.step()
        scheduler.step()
        state.step += 1
        state.batch += 1
        last = {"loss": loss.item(), **{k: v.item() for k, v in parts.items()}}
        if log_every and (state.step % log_every == 0 or state.step == 1):
            log(
                {
                    "step": state.step,
                    "lr": round(lr, 6),
                    **{k: round(v, 4) for k, v in last.items()},
                    "minutes": round((state.seconds + time.time() - started) / 60, 1),
                }
            )
        stop = [hook(state) for hook in hooks]  # every hook sees every step
        if any(stop) or (state.total_steps and state.step >= state.total_steps):
            return {**last, "completed": False}
    state.epoch += 1
    state.batch = 0
    state.order = []
    return {**last, "completed": True}


class Accumulator(Protocol):
    """What :func:`evaluate` feeds: ``update(batch, outputs)`` per batch, ``compute() -> dict``."""

    def update(self, batch: Any, outputs: Any) -> None: ...

    def compute(self) -> dict: ...


@torch.no_grad()
def evaluate(
    model: torch.nn.Module,
    data: Iterable[Any],
    device: torch.device,
    *,
    predict: Callable[[torch.nn.Module, Any, torch.device], Any],
    accumulator: Accumulator,
) -> dict:
    """Evaluate ``model`` (put in eval mode) on ``data``: ``predict(model, batch, device)`` per
    batch, fed with its batch to ``accumulator.update``; returns ``accumulator.compute()``.
    Draws no random numbers, so it does not change a training run it is part of."""
    model.eval()
    for batch in data:
        accumulator.update(batch, predict(model, batch, device))
    return accumulator.compute()


# --- command-line plumbing both training scripts share ----------------------------------------------

#: Options a resumed run may change; any other must equal the checkpoint's (else the run would not
#: continue the same trajectory).
RESUME_MAY_DIFFER = frozenset(
    {"pack", "out", "checkpoint", "resume", "threads", "device", "stop_at", "save_every", "workers"}
)


def add_training_arguments(ap, *, minutes: float, warmup: int) -> None:
    """Add the options both training scripts take to an ``argparse.ArgumentParser``."""
    ap.add_argument(
        "--minutes",
        type=float,
        default=minutes,
        help="wall-clock budget of the training steps, used when neither --epochs nor --max-steps is "
        "given: the schedule's step count is fixed from the speed of the first steps",
    )
    ap.add_argument("--epochs", type=int, default=0, help="schedule length in epochs (overrides --minutes)")
    ap.add_argument("--max-steps", type=int, default=0, help="schedule length in steps (overrides --epochs)")
    ap.add_argument("--warmup", type=int, default=warmup, help="linear warm-up steps (at most half the schedule)")
    ap.add_argument(
        "--checkpoint",
        default="",
        help="training checkpoint to write (weights, optimizer, scheduler, step, RNG); "
        "default: --out with the suffix .train.pt",
    )
    ap.add_argument("--resume", default="", help="continue this training checkpoint exactly")
    ap.add_argument("--init", default="", help="start from these weights (model only: a fine-tune)")
    ap.add_argument(
        "--stop-at",
        type=int,
        default=0,
        help="stop after this step, writing the training checkpoint (continue with --resume)",
    )
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument(
        "--train-on-all",
        action="store_true",
        help="train on the validation split too (smoke runs on a handful of photos only)",
    )


def start_run(args) -> tuple[torch.device, float]:
    """Apply the options every training command shares (``--threads``, ``--seed`` for torch's
    generators, ``--device``); returns the device and the start time (``time.time()``, seconds)."""
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    return torch.device(args.device), time.time()


def checkpoint_path(args) -> str:
    """The training checkpoint path: ``--checkpoint``, else ``--out`` with the suffix ``.train.pt``."""
    if args.checkpoint:
        return args.checkpoint
    out = str(args.out)
    return (out[:-3] if out.endswith(".pt") else out) + ".train.pt"


def schedule_steps(args, steps_per_epoch: int) -> int:
    """Schedule length from ``--max-steps`` or ``--epochs``; 0 when ``--minutes`` decides."""
    return args.max_steps or args.epochs * steps_per_epoch


def check_resume(ckpt: dict, args, data_sha256: str | None) -> None:
    """Raise ValueError unless ``ckpt`` is a training checkpoint of this data and these options
    (except :data:`RESUME_MAY_DIFFER`), or when ``--init`` is given too."""
    if args.init:
        raise ValueError("--resume continues a run; --init starts one: give one of them")
    if "training" not in ckpt:
        raise ValueError(f"{args.resume} holds no optimizer state: not a training checkpoint (use --init)")
    if ckpt["data_sha256"] != data_sha256:
        raise ValueError(f"{args.resume} was trained on data {ckpt['data_sha256']}, this pack is {data_sha256}")
    saved, now = ckpt["training"]["args"], vars(args)
    differ = sorted(k for k in set(saved) | set(now) if k not in RESUME_MAY_DIFFER and saved.get(k) != now.get(k))
    if differ:
        raise ValueError(
            "options differ from the run being resumed: "
            + ", ".join(f"--{k.replace('_', '-')} {saved.get(k)!r} -> {now.get(k)!r}" for k in differ)
        )


def init_weights(model: torch.nn.Module, path: str, free: tuple[str, ...] = ()) -> None:
    """Load the weights of checkpoint ``path`` into ``model`` (model only, fp32). ``free``: config
    keys that may differ (e.g. ``input_size`` of a fully convolutional model, whose weights do not
    depend on it). Raises ValueError when the checkpoint's architecture, other config or labels
    differ from ``model.spec``."""
    from vision.checkpoints import load_checkpoint

    ckpt = load_checkpoint(path)
    spec = model.spec

    def fixed(config: dict) -> dict:
        return {k: v for k, v in config.items() if k not in free}

    if (ckpt["arch"], fixed(ckpt["config"]), ckpt["labels"]) != (spec.arch, fixed(spec.config), spec.labels):
        raise ValueError(
            f"{path} is a {ckpt['arch']} with {len(ckpt['labels'])} labels and config "
            f"{ckpt['config']}; this run builds a {spec.arch} with {len(spec.labels)} and {spec.config}"
        )
    model.load_state_dict({k: v.float() if v.is_floating_point() else v for k, v in ckpt["state_dict"].items()})


def restore(ckpt: dict, model: torch.nn.Module, optimizer: torch.optim.Optimizer, scheduler: LRScheduler) -> TrainState:
    """Load a training checkpoint's weights, optimizer, scheduler and random generators (in that
    order, last thing before training goes on); returns its :class:`TrainState`."""
    from vision.checkpoints import set_rng_state

    model.load_state_dict(ckpt["state_dict"])
    training = ckpt["training"]
    optimizer.load_state_dict(training["optimizer"])
    scheduler.load_state_dict(training["scheduler"])
    state = TrainState.from_dict(training["state"])
    set_rng_state(training["rng"])
    return state


def training_section(
    optimizer: torch.optim.Optimizer, scheduler: LRScheduler, state: TrainState, args, seconds: float
) -> dict:
    """The ``training`` entry of a training checkpoint, taken now: optimizer, scheduler, state (with
    ``seconds`` as its total wall time so far), random generators and the command's options."""
    from vision.checkpoints import rng_state

    saved = TrainState.from_dict({**state.as_dict(), "seconds": seconds})
    return {
        "optimizer": optimizer.state_dict(),
        "scheduler": scheduler.state_dict(),
        "state": saved.as_dict(),
        "rng": rng_state(),
        "args": {k: (str(v) if hasattr(v, "__fspath__") else v) for k, v in vars(args).items()},
    }
