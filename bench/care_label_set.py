"""A synthetic test set of care-label photos in Korean and English, with their ground truth.

Each sample is drawn from one seed (``sample(seed)``, deterministic): a template (Korean, English or
both), a composition (shell and maybe lining), a size, a country and two to four care lines, set in
a Debian font (Nanum Gothic / Barun Gothic / Myeongjo / Square for Hangul, DejaVu and Liberation for
Latin-only labels) on a woven-label texture (satin or nylon ribbon: fine threads, slight colour), then
"photographed": pasted on a fabric-like background (a knit or twill pattern), warped by a random
perspective, lit by a soft shadow gradient, blurred (Gaussian), with sensor noise and a JPEG
re-encode.

Seeds: :data:`DEV_SEEDS` were used while writing the parser and choosing the preprocessing;
:data:`REPORT_SEEDS` (held out, never looked at while tuning) are what ``python -m bench.care_labels``
reports.
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

DEV_SEEDS = range(0, 40)
REPORT_SEEDS = range(10_000, 10_100)

_FONTS = Path("/usr/share/fonts/truetype")
HANGUL_FONTS = (
    "nanum/NanumGothic.ttf",
    "nanum/NanumBarunGothic.ttf",
    "nanum/NanumMyeongjo.ttf",
    "nanum/NanumSquareR.ttf",
    "nanum/NanumGothicBold.ttf",
)
LATIN_FONTS = (
    "dejavu/DejaVuSans.ttf",
    "dejavu/DejaVuSansCondensed.ttf",
    "liberation/LiberationSans-Regular.ttf",
    "liberation/LiberationSerif-Regular.ttf",
    "liberation/LiberationSansNarrow-Regular.ttf",
)

# canonical fibre -> (Korean name, English name on labels)
FIBRE_NAMES = {
    "cotton": ("면", "COTTON"),
    "polyester": ("폴리에스터", "POLYESTER"),
    "rayon": ("레이온", "RAYON"),
    "nylon": ("나일론", "NYLON"),
    "acrylic": ("아크릴", "ACRYLIC"),
    "wool": ("울", "WOOL"),
    "spandex": ("폴리우레탄", "SPANDEX"),
    "linen": ("린넨", "LINEN"),
    "silk": ("실크", "SILK"),
    "cashmere": ("캐시미어", "CASHMERE"),
    "modal": ("모달", "MODAL"),
}
ALT_NAMES = {
    "polyester": ("폴리에스테르", "POLYESTER"),
    "rayon": ("비스코스", "VISCOSE"),
    "spandex": ("스판덱스", "ELASTANE"),
}
COUNTRIES = {
    "Vietnam": ("베트남", "VIETNAM"),
    "China": ("중국", "CHINA"),
    "South Korea": ("한국", "KOREA"),
    "Indonesia": ("인도네시아", "INDONESIA"),
    "Bangladesh": ("방글라데시", "BANGLADESH"),
    "Cambodia": ("캄보디아", "CAMBODIA"),
    "Myanmar": ("미얀마", "MYANMAR"),
    "Italy": ("이탈리아", "ITALY"),
}
SIZES = ("S", "M", "L", "XL", "90", "95", "100", "105", "26", "28", "30", "FREE")
CARE_KO = (
    "물세탁 30°C 이하로 세탁하십시오",
    "표백제 사용을 금합니다",
    "드라이클리닝 가능",
    "다림질은 낮은 온도로 하십시오",
    "그늘에 뉘어서 건조하십시오",
    "손세탁을 권장합니다",
    "세탁기 사용 가능",
)
CARE_EN = (
    "MACHINE WASH COLD",
    "DO NOT BLEACH",
    "TUMBLE DRY LOW",
    "IRON ON LOW HEAT",
    "DRY CLEAN ONLY",
    "HAND WASH SEPARATELY",
    "DO NOT WRING",
)


@dataclass
class Sample:
    """One label: ``image`` (RGB photo), ``lines`` (the text as printed; the reference for the
    character error rate), ``composition`` (shell: [{"fibre", "percent"}]), ``lining``, ``size``,
    ``country`` (canonical English), ``care`` (lines), ``language`` (``ko``, ``en``, ``both``)."""

    image: Image.Image
    lines: list[str]
    composition: list[dict]
    lining: list[dict] = field(default_factory=list)
    size: str = ""
    country: str = ""
    care: list[str] = field(default_factory=list)
    language: str = "ko"

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def _composition(rng: random.Random) -> list[dict]:
    n = rng.choices((1, 2, 3), (5, 4, 1))[0]
    fibres = rng.sample(sorted(FIBRE_NAMES), n)
    if n == 1:
        return [{"fibre": fibres[0], "percent": 100}]
    cuts = sorted(rng.sample(range(5, 96, 5), n - 1))
    percents = [b - a for a, b in zip([0, *cuts], [*cuts, 100])]
    out = sorted(zip(fibres, percents), key=lambda fp: -fp[1])
    return [{"fibre": f, "percent": p} for f, p in out if p > 0]


def _names(fibre: str, rng: random.Random) -> tuple[str, str]:
    return ALT_NAMES[fibre] if fibre in ALT_NAMES and rng.random() < 0.3 else FIBRE_NAMES[fibre]


def _fibres_text(items: list[dict], language: str, rng: random.Random) -> str:
    bits = []
    percent_first = language == "en" and rng.random() < 0.3
    for c in items:
        ko, en = _names(c["fibre"], rng)
        name = {"ko": ko, "en": en, "both": f"{ko} {en}"}[language]
        bits.append(f"{c['percent']}% {name}" if percent_first else f"{name} {c['percent']}%")
    return " ".join(bits)


def _lines(rng: random.Random) -> tuple[list[str], dict]:
    language = rng.choice(("ko", "ko", "en", "en", "both"))
    shell = _composition(rng)
    lining = _composition(rng) if rng.random() < 0.25 else []
    size = rng.choice(SIZES)
    country = rng.choice(sorted(COUNTRIES))
    ko_country, en_country = COUNTRIES[country]
    care_pool = {"ko": CARE_KO, "en": CARE_EN, "both": CARE_KO + CARE_EN}[language]
    care = rng.sample(care_pool, rng.randint(2, 4))
    lines = []
    if language == "en":
        lines.append(f"SIZE: {size}")
        head = "SHELL: " if lining else ""
        lines.append(head + _fibres_text(shell, "en", rng))
        if lining:
            lines.append("LINING: " + _fibres_text(lining, "en", rng))
        lines.append(f"MADE IN {en_country}")
    else:
        lines.append(f"{rng.choice(('호칭', '사이즈'))}: {size}")
        if lining:
            lines.append("겉감: " + _fibres_text(shell, language, rng))
            lines.append("안감: " + _fibres_text(lining, language, rng))
        else:
            lines.append(rng.choice(("혼용률: ", "섬유의 조성: ", "")) + _fibres_text(shell, language, rng))
        lines.append(f"제조국: {ko_country}" + (f" MADE IN {en_country}" if language == "both" else ""))
    lines += care
    truth = {"composition": shell, "lining": lining, "size": size, "country": country, "care": care}
    return lines, {**truth, "language": language}


def _label(lines: list[str], language: str, rng: random.Random) -> Image.Image:
    """The flat label: text lines on a woven ribbon texture."""
    font_path = _FONTS / rng.choice(HANGUL_FONTS if language != "en" else HANGUL_FONTS[:2] + LATIN_FONTS)
    size = rng.randint(26, 38)
    font = ImageFont.truetype(str(font_path), size)
    widths = [font.getbbox(line)[2] for line in lines]
    width = max(widths) + 2 * size
    line_h = int(size * rng.uniform(1.35, 1.7))
    height = line_h * len(lines) + 2 * size
    dark_label = rng.random() < 0.15
    base = np.array((30, 32, 40) if dark_label else rng.choice(((246, 244, 238), (236, 236, 240), (250, 247, 232))))
    yy, xx = np.mgrid[0:height, 0:width]
    weave = 6 * np.sin(xx * rng.uniform(1.5, 2.5)) * np.sin(yy * rng.uniform(1.5, 2.5)) + rng.uniform(2, 6) * (
        np.sin(yy * 0.9) > 0.6
    )
    arr = np.clip(base[None, None, :] + weave[..., None], 0, 255).astype(np.uint8)
    img = Image.fromarray(arr)
    draw = ImageDraw.Draw(img)
    ink = (235, 235, 230) if dark_label else rng.choice(((20, 20, 25), (25, 30, 70), (60, 60, 60)))
    centred = rng.random() < 0.5
    for i, line in enumerate(lines):
        x = (width - widths[i]) // 2 if centred else size
        draw.text((x, size + i * line_h), line, font=font, fill=ink)
    return img


def _fabric(size: tuple[int, int], rng: random.Random) -> Image.Image:
    w, h = size
    yy, xx = np.mgrid[0:h, 0:w]
    colour = np.array([rng.randint(20, 230) for _ in range(3)], dtype=np.float32)
    period = rng.uniform(3, 9)
    pattern = 18 * np.sin((xx + yy) * 2 * np.pi / period) + 10 * np.sin(xx * 2 * np.pi / (period * 0.7))
    noise = np.random.default_rng(rng.randint(0, 2**31)).normal(0, 8, (h, w))
    arr = np.clip(colour[None, None, :] + (pattern + noise)[..., None], 0, 255).astype(np.uint8)
    return Image.fromarray(arr)


def _photograph(label: Image.Image, rng: random.Random) -> Image.Image:
    """The label pasted on fabric, warped, shadowed, blurred, noisy, JPEG-compressed."""
    import cv2

    pad = int(max(label.size) * rng.uniform(0.12, 0.3))
    w, h = label.width + 2 * pad, label.height + 2 * pad
    photo = _fabric((w, h), rng)
    photo.paste(label, (pad, pad))
    a = np.asarray(photo)
    j = 0.06 * min(w, h)
    src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    dst = np.float32([[x + rng.uniform(-j, j), y + rng.uniform(-j, j)] for x, y in src])
    matrix = cv2.getPerspectiveTransform(src, dst)
    a = cv2.warpPerspective(a, matrix, (w, h), borderMode=cv2.BORDER_REFLECT)
    angle = rng.uniform(-6, 6)
    rot = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    a = cv2.warpAffine(a, rot, (w, h), borderMode=cv2.BORDER_REFLECT)
    yy, xx = np.mgrid[0:h, 0:w]
    direction = rng.uniform(0, 2 * np.pi)
    ramp = (np.cos(direction) * xx / w + np.sin(direction) * yy / h + 1) / 2
    shade = 1 - rng.uniform(0.15, 0.45) * np.clip(ramp * rng.uniform(1, 1.6) - 0.3, 0, 1)
    a = np.clip(a.astype(np.float32) * shade[..., None], 0, 255)
    gen = np.random.default_rng(rng.randint(0, 2**31))
    a = np.clip(a + gen.normal(0, rng.uniform(2, 8), a.shape), 0, 255).astype(np.uint8)
    img = Image.fromarray(a).filter(ImageFilter.GaussianBlur(rng.uniform(0.4, 1.4)))
    scale = rng.uniform(0.7, 1.2)
    img = img.resize((round(w * scale), round(h * scale)), Image.Resampling.BILINEAR)
    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=rng.randint(70, 92))
    return Image.open(io.BytesIO(buf.getvalue())).convert("RGB")


def sample(seed: int) -> Sample:
    """The care-label photo and ground truth of ``seed`` (deterministic)."""
    rng = random.Random(seed)
    lines, truth = _lines(rng)
    image = _photograph(_label(lines, truth["language"], rng), rng)
    return Sample(image=image, lines=lines, **truth)


def blank(seed: int = 0, size: tuple[int, int] = (640, 480)) -> Image.Image:
    """A photo of plain fabric with no text at all (the "no readable text" case)."""
    return _fabric(size, random.Random(seed)).filter(ImageFilter.GaussianBlur(1))
