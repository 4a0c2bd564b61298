"""Celery workers. ``celery -A workers worker -Q vision`` finds the app here."""

from workers.celery import app as celery_app

__all__ = ["celery_app"]
