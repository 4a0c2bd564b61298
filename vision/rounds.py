"""Training in rounds between calibration checks, the loop the dense models' scripts share
(``vision.train_segmenter`` and ``vision.train_stains``): start or resume the schedule of
:mod:`vision.engine`, train ``--eval-every`` steps, measure on fixed calib samples, save the training
checkpoint (to resume exactly) and keep ``--out`` at the best calib score so far, until the schedule
(``--max-steps``, ``--epochs`` or ``--minutes``) or ``--stop-at`` ends it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import torch
from torch.optim.lr_scheduler import LRScheduler

from vision import engine
from vision.checkpoints import load_checkpoint, save_checkpoint


def start_or_resume(
    args, model: torch.nn.Module, optimizer: torch.optim.Optimizer, data_sha256: str | None, total_steps: int
) -> tuple[engine.TrainState, LRScheduler, list]:
    """The schedule, state and stop hooks of a run: a new one of ``total_steps`` steps (0: the length is
    fixed by ``--minutes`` after a few steps, :class:`vision.engine.StepBudget`), or the run of
    ``--resume`` restored (weights, optimizer, scheduler, random generators: call it last before
    drawing samples). Raises ValueError when the resumed checkpoint does not match the data or options
    (:func:`vision.engine.check_resume`)."""
    state = engine.TrainState(total_steps=total_steps, warmup_steps=engine.warmup_length(args.warmup, total_steps))
    scheduler = engine.build_scheduler(optimizer, total_steps, args.warmup)
    if args.resume:
        ckpt = load_checkpoint(args.resume)
        engine.check_resume(ckpt, args, data_sha256)
        state = engine.restore(ckpt, model, optimizer, scheduler)
    hooks: list = [engine.StepBudget(args.minutes * 60, scheduler, state)] if not state.total_steps else []
    if args.stop_at:
        hooks.append(lambda s: s.step >= args.stop_at)
    return state, scheduler, hooks


def train_in_rounds(
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    scheduler: LRScheduler,
    state: engine.TrainState,
    hooks: list,
    args,
    *,
    draw: Callable[[], Any],
    loss_fn: engine.LossFn,
    measure: Callable[[torch.nn.Module], dict],
    device: torch.device,
    started: float,
    data_sha256: str | None,
    log_every: int,
    meta: dict | None = None,
    score: str = "calib_iou",
    rank: Callable[[dict], float] | None = None,
) -> engine.TrainState:
    """Train until the schedule or ``--stop-at`` ends, in rounds of ``args.eval_every`` steps.

    ``draw()`` returns one training batch; ``measure(model)`` the calib figures after a round (a
    dict holding ``score``, higher is better). After each round one JSON line is printed (``step``,
    ``loss``, the figures, ``minutes`` of wall time including earlier sessions of a resumed run), the
    training checkpoint (:func:`vision.engine.checkpoint_path`) is written, and ``args.out`` (fp16) is
    rewritten when the score is at least the best so far; both carry ``meta`` plus the step and
    figures. ``rank(figures)``, when given, is the figure a round is kept by instead of
    ``figures[score]`` (e.g. the score less 1 where a second figure is out of bounds), and
    ``state.best`` holds it. Last line: ``{"best_calib_iou", "step"}``, or with ``rank``
    ``{"best_kept_by", "step"}`` (a rank is not an IoU: the score less 1 is negative). Returns the final state."""

    def batches():
        while True:
            yield draw()
            if state.step % args.eval_every == 0:
                return

    while not state.total_steps or state.step < state.total_steps:
        result = engine.train_one_epoch(
            model,
            optimizer,
            scheduler,
            batches(),
            device,
            loss_fn=loss_fn,
            state=state,
            started=started,
            hooks=hooks,
            log_every=log_every,
            max_norm=5.0,
        )
        figures = measure(model)
        seconds = state.seconds + time.time() - started
        round_meta = {"step": state.step, **(meta or {}), **figures}
        engine.log_json(
            {"step": state.step, "loss": round(result.get("loss", 0), 4), **figures, "minutes": round(seconds / 60, 1)}
        )
        kept_by = figures[score] if rank is None else rank(figures)
        better = state.best is None or kept_by >= state.best
        if better:  # before the training checkpoint, so that a resumed run knows this round's figure
            state.best = kept_by
        training = engine.training_section(optimizer, scheduler, state, args, seconds)
        save_checkpoint(
            engine.checkpoint_path(args), model, data_sha256=data_sha256, training=training, meta=round_meta
        )
        if better:
            save_checkpoint(args.out, model, data_sha256=data_sha256, half=True, meta=round_meta)
        if args.stop_at and state.step >= args.stop_at:
            break
    engine.log_json({"best_calib_iou" if rank is None else "best_kept_by": state.best, "step": state.step})
    return state
