# One image for the web server and the Celery worker. nginx is not in it: run it in front of the `web`
# service (on the host or in a container of its own) with deploy/nginx.conf, which
# tests/core/test_nginx.py checks; without it the app still caps request bodies (MAX_REQUEST_BYTES).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1

WORKDIR /app
# Care labels: Tesseract with its Korean and English models (vision/read_label.py); libGL and GLib for the
# OpenCV build that rapidocr-onnxruntime pulls in.
RUN apt-get update \
    && apt-get install -y --no-install-recommends tesseract-ocr tesseract-ocr-kor tesseract-ocr-eng libgl1 libglib2.0-0 \
    && rm -rf /var/lib/apt/lists/*
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .
RUN useradd --create-home --uid 1000 app \
    && mkdir -p /app/var/media \
    && DEBUG=1 python manage.py collectstatic --noinput \
    && chown -R app:app /app/var
USER app

EXPOSE 8000
CMD ["gunicorn", "-c", "python:wardrobe.gunicorn_conf", "wardrobe.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "300"]
