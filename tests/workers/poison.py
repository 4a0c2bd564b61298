"""Poison photos for the time-limit tests, loaded into a real test worker with
``celery worker -I tests.workers.poison`` (never by the app).

The worker's pipeline (``workers.runtime.get_pipeline``) is wrapped: a photo whose top-left corner is
pure magenta hangs in the pipeline and swallows the soft time limit, as a call stuck in native code
would; one whose corner is pure cyan kills its worker process (a crash, e.g. out of memory). Every
other photo goes through the real pipeline.
"""

from __future__ import annotations

import os
import signal
import time

import numpy as np
from celery.exceptions import SoftTimeLimitExceeded

from workers import runtime

HANG = (255, 0, 255)
CRASH = (0, 255, 255)
CORNER = 48  # pixels: the painted square; the marker is read from its inner 16 x 16


def marker(image) -> tuple[int, int, int] | None:
    """``HANG``, ``CRASH`` or ``None`` for an RGB PIL image (JPEG noise tolerated)."""
    corner = np.asarray(image.convert("RGB"))[8:24, 8:24].reshape(-1, 3).mean(axis=0)
    for colour in (HANG, CRASH):
        if np.abs(corner - np.array(colour)).max() < 40:
            return colour
    return None


class Poisoned:
    """The real pipeline, except for marked photos."""

    def __init__(self, real):
        self.real = real

    def __call__(self, image):
        found = marker(image)
        if found == CRASH:
            os.kill(os.getpid(), signal.SIGKILL)
        if found == HANG:
            while True:
                try:
                    time.sleep(3600)
                except SoftTimeLimitExceeded:
                    pass  # stuck: only the hard limit ends this
        return self.real(image)

    def __getattr__(self, name):
        return getattr(self.real, name)


_real_get_pipeline = runtime.get_pipeline


def _get_pipeline():
    return Poisoned(_real_get_pipeline())


runtime.get_pipeline = _get_pipeline
