"""Read a garment's care label from a photo: find the lines of text, straighten them, OCR them with
Tesseract (Korean + English), then :func:`vision.label_parse.parse_label`.

``python -m vision.read_label IMAGE...`` prints one JSON object per image (``file``, ``text``,
``composition``: [{"fibre", "percent"}], ``lining``, ``size``, ``country``, ``care``, ``readable``,
``seconds``).

Steps (each kept because it helped on the development seeds of ``bench.care_label_set``, never on the
reported ones):

1. the photo, upright and RGB, scaled so that its long side is ``WORK_SIDE`` pixels;
2. **lines found** by PP-OCRv4's text detector (DB, the ONNX model shipped in the PyPI package
   rapidocr-onnxruntime, Apache-2.0; only the detector is used), on ONNX Runtime on the CPU. Without
   it Tesseract's own page segmentation found no text at all on 3 of 20 development labels on a
   textured background (``--psm 3``), and reading the whole photo as one block (``--psm 6``) ran for
   over a minute on a photo of plain knit fabric. No line found: no text, and Tesseract is not run;
3. **each line straightened**: its four corners warped to an upright strip ``STRIP_HEIGHT`` pixels high
   (the label's rotation and perspective undone), made dark-on-light and stretched to full contrast;
   the strips stacked into one page, so Tesseract runs once;
4. **Tesseract 5** (Apache-2.0; Debian ``tesseract-ocr``, ``tesseract-ocr-kor``, ``tesseract-ocr-eng``)
   through pytesseract (Apache-2.0): LSTM engine (``--oem 1``), the page as one block of lines
   (``--psm 6``), as a subprocess bounded by ``timeout_s``.

No torch and no Django: the web process calls it while the person waits. Errors: a photo with no
readable text gives a :class:`LabelFields` with empty fields and ``readable`` False; only a missing
Tesseract or detector (:class:`OCRUnavailable`) or a timeout (:class:`OCRTimeout`) raise.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

from vision.label_parse import LabelFields, parse_label

#: Long side, in pixels, the photo is scaled to before OCR.
WORK_SIDE = 1600
#: A detected box lower than this fraction of the median box height is not text (a speck of weave).
MIN_BOX_HEIGHT = 0.5
#: At most this many boxes are read (a label has a few dozen lines at most; bounds Tesseract's time).
MAX_BOXES = 60
#: Height in pixels each detected line of text is scaled to before Tesseract reads it.
STRIP_HEIGHT = 40
#: Tesseract's languages (traineddata names), Korean first: its Hangul model also reads Latin letters.
LANGUAGES = "kor+eng"
#: Tesseract options: LSTM engine, the page as one block of lines (the straightened strips), spaces kept.
CONFIG = "--oem 1 --psm 6 -c preserve_interword_spaces=1"
#: Seconds one OCR may take before :class:`OCRTimeout`.
TIMEOUT_S = 20.0


class OCRUnavailable(RuntimeError):
    """Tesseract (or its Korean/English models) is not installed."""


class OCRTimeout(RuntimeError):
    """Tesseract ran past its time limit."""


def preprocess(image: Image.Image, work_side: int | None = None) -> Image.Image:
    """The RGB copy of ``image`` (any PIL mode, EXIF orientation applied) scaled so that its long side
    is ``work_side`` pixels (default :data:`WORK_SIDE`)."""
    work_side = work_side or WORK_SIDE
    rgb = ImageOps.exif_transpose(image).convert("RGB")
    scale = work_side / max(rgb.size)
    if abs(scale - 1) > 0.05:
        size = (max(1, round(rgb.width * scale)), max(1, round(rgb.height * scale)))
        rgb = rgb.resize(size, Image.Resampling.LANCZOS if scale < 1 else Image.Resampling.BICUBIC)
    return rgb


_detector = None


def _get_detector(threads: int | None):
    """PP-OCRv4's text detector (DB, the ONNX file shipped in rapidocr-onnxruntime, with its pre- and
    post-processing), on ONNX Runtime on the CPU with ``threads`` threads that sleep rather than spin
    while they wait (spinning doubled the CPU time per label on a busy 2-core machine); once per process."""
    global _detector
    if _detector is None:
        try:
            import onnxruntime as ort
            import rapidocr_onnxruntime
            import yaml
            from rapidocr_onnxruntime.ch_ppocr_det.text_detect import TextDetector
        except ImportError as exc:
            raise OCRUnavailable("rapidocr-onnxruntime is not installed") from exc
        root = Path(rapidocr_onnxruntime.__file__).parent
        config = yaml.safe_load((root / "config.yaml").read_text())["Det"]
        config.update(model_path=str(root / config["model_path"]), intra_op_num_threads=1, inter_op_num_threads=1)
        detector = TextDetector(config)
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or 2
        options.inter_op_num_threads = 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.log_severity_level = 4
        detector.infer.session = ort.InferenceSession(config["model_path"], options, providers=["CPUExecutionProvider"])
        _detector = detector
    return _detector


def detect_lines(image: Image.Image, threads: int | None = None) -> list[np.ndarray]:
    """The text boxes PP-OCRv4's detector finds in ``image`` (RGB): a list of 4 x 2 float arrays,
    corners clockwise from the top left, in pixels of ``image``; ``[]`` when there is no text."""
    found, _ = _get_detector(threads)(np.ascontiguousarray(np.asarray(image)[:, :, ::-1]))
    boxes = [np.asarray(b, dtype=np.float32) for b in (found if found is not None else [])]
    if not boxes:
        return []
    # Specks of the fabric's weave: boxes far lower than the label's lines of text are dropped.
    heights = np.array([np.linalg.norm(b[3] - b[0]) for b in boxes])
    keep = heights >= MIN_BOX_HEIGHT * np.median(heights)
    return [b for b, k in zip(boxes, keep) if k][:MAX_BOXES]


def _rows(boxes: list[np.ndarray]) -> list[list[np.ndarray]]:
    """Boxes grouped into lines of text (vertical centres within half a box height), top to bottom,
    each left to right."""
    rows: list[list[np.ndarray]] = []
    for box in sorted(boxes, key=lambda b: b[:, 1].mean()):
        height = np.linalg.norm(box[3] - box[0])
        if rows and abs(rows[-1][-1][:, 1].mean() - box[:, 1].mean()) < height / 2:
            rows[-1].append(box)
        else:
            rows.append([box])
    return [sorted(row, key=lambda b: b[:, 0].min()) for row in rows]


def line_strips(image: Image.Image, boxes: list[np.ndarray], height: int | None = None) -> Image.Image:
    """One greyscale page for Tesseract: each detected box cut out of ``image`` and straightened (a
    perspective warp of its four corners: rotation and perspective undone), scaled to ``height``
    pixels (default :data:`STRIP_HEIGHT`), made dark-on-light, boxes of one line side by side, lines
    stacked with white space between them."""
    import cv2

    height = height or STRIP_HEIGHT
    grey = np.asarray(image.convert("L"))
    gap = height // 2
    lines = []
    for row in _rows(boxes):
        pieces = []
        for box in row:
            w = max(np.linalg.norm(box[1] - box[0]), np.linalg.norm(box[2] - box[3]))
            h = max(np.linalg.norm(box[3] - box[0]), np.linalg.norm(box[2] - box[1]), 1)
            out_w = min(max(1, round(w * height / h)), 60 * height)  # a sliver cannot make a page miles wide
            target = np.float32([[0, 0], [out_w, 0], [out_w, height], [0, height]])
            strip = cv2.warpPerspective(
                grey, cv2.getPerspectiveTransform(box, target), (out_w, height), flags=cv2.INTER_CUBIC,
                borderMode=cv2.BORDER_REPLICATE,
            )  # fmt: skip
            if np.median(strip) < 110:  # light text on a dark label
                strip = 255 - strip
            lo, hi = np.percentile(strip, (2, 98))
            strip = np.clip((strip.astype(np.float32) - lo) * (255 / max(hi - lo, 1)), 0, 255).astype(np.uint8)
            pieces += [strip, np.full((height, gap), 255, np.uint8)]
        lines.append(np.hstack(pieces))
    width = max(line.shape[1] for line in lines) + 2 * gap
    page = np.full((len(lines) * (height + gap) + gap, width), 255, np.uint8)
    for i, line in enumerate(lines):
        y = gap + i * (height + gap)
        page[y : y + height, gap : gap + line.shape[1]] = line
    return Image.fromarray(page)


def ocr(image: Image.Image, *, timeout_s: float = TIMEOUT_S, threads: int | None = None) -> str:
    """Tesseract's text for a preprocessed ``image`` (lines joined by ``\\n``). ``threads``: OpenMP
    threads Tesseract may use (``OMP_THREAD_LIMIT``), default: as configured in the environment.
    Raises :class:`OCRUnavailable` when Tesseract or its models are missing, :class:`OCRTimeout`
    after ``timeout_s`` seconds."""
    try:
        import pytesseract
    except ImportError as exc:  # pragma: no cover - a requirement
        raise OCRUnavailable("pytesseract is not installed") from exc
    old = os.environ.get("OMP_THREAD_LIMIT")
    if threads:
        os.environ["OMP_THREAD_LIMIT"] = str(threads)
    try:
        return pytesseract.image_to_string(image, lang=LANGUAGES, config=CONFIG, timeout=timeout_s)
    except pytesseract.TesseractNotFoundError as exc:
        raise OCRUnavailable("tesseract is not installed: apt-get install tesseract-ocr tesseract-ocr-kor") from exc
    except RuntimeError as exc:
        if "timeout" in str(exc).lower():
            raise OCRTimeout(f"OCR took more than {timeout_s:g} s") from exc
        raise
    except pytesseract.TesseractError as exc:
        raise OCRUnavailable(f"tesseract failed: {exc}") from exc
    finally:
        if threads:
            if old is None:
                os.environ.pop("OMP_THREAD_LIMIT", None)
            else:
                os.environ["OMP_THREAD_LIMIT"] = old


def read_label(image: Image.Image, *, timeout_s: float = TIMEOUT_S, threads: int | None = None) -> LabelFields:
    """The fields of the care label in ``image`` (a decoded PIL image): preprocess, OCR, parse.
    Raises only :class:`OCRUnavailable` and :class:`OCRTimeout`; a photo with no text gives empty
    fields and ``readable`` False."""
    rgb = preprocess(image)
    boxes = detect_lines(rgb, threads=threads)
    if not boxes:
        return LabelFields()
    text = ocr(line_strips(rgb, boxes), timeout_s=timeout_s, threads=threads)
    fields = parse_label(text)
    # OCR noise on a blank photo: a few stray marks but no word of two letters or more.
    if not any(len(w) >= 2 and any(ch.isalnum() for ch in w) for w in fields.text.split()):
        return LabelFields(text=fields.text)
    return fields


def main(argv: list[str] | None = None) -> int:
    """The command line: one JSON object per image on stdout; exit status 1 if any file could not
    be opened as an image."""
    parser = argparse.ArgumentParser(prog="python -m vision.read_label", description=__doc__.split("\n")[0])
    parser.add_argument("images", nargs="+", help="photos of care labels (JPEG, PNG, WebP, ...)")
    parser.add_argument("--threads", type=int, default=None, help="Tesseract's OpenMP threads")
    args = parser.parse_args(argv)
    status = 0
    for path in args.images:
        start = time.perf_counter()
        try:
            with Image.open(path) as img:
                img.load()
                fields = read_label(img, threads=args.threads)
        except (OSError, ValueError) as exc:
            print(json.dumps({"file": path, "error": str(exc)}, ensure_ascii=False))
            status = 1
            continue
        out = {"file": path, **fields.as_dict(), "seconds": round(time.perf_counter() - start, 3)}
        print(json.dumps(out, ensure_ascii=False))
    return status


if __name__ == "__main__":
    sys.exit(main())
