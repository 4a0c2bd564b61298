"""Care-label text -> fields: fibre composition, size, country of manufacture, care instructions.

Plain Python (no Django, no torch): :func:`parse_label` reads the text OCR found on a care label, in
Korean, English or both, and returns a :class:`LabelFields`.

* **Composition**: every fibre name (Korean or English, with the spellings and OCR slips listed in
  :data:`FIBRES`) next to a percentage, either order (``면 100%``, ``COTTON 60%``, ``60% cotton``),
  normalised to one canonical English fibre name (``cotton``, ``polyester``, ``rayon`` (also viscose),
  ``nylon`` (also polyamide), ``spandex`` (also elastane, 폴리우레탄 / polyurethane), ...). A fibre
  named alone on the label with no percentage is 100 %. Parts of a garment: the **shell** (겉감,
  shell, outer, body, 본체, or a label that names no part) is ``composition``; the **lining** (안감,
  lining) is ``lining``; trims, fillings and ribbing (배색, 충전재, 리브, filling, trim, rib) are left
  out, since a person asks "what is it made of" about the shell. Percentages are kept as read (the
  person confirms them); ``composition_sums_to_100`` says whether they add up.
* **Size**: the value after 사이즈 / 호칭 / 치수 / size (``M``, ``95``, ``95(M)``, ``28``, ``FREE``), else a
  line holding only a letter size.
* **Country**: after ``made in``, ``제조국``, ``원산지``, ``country of origin``, canonical English names
  (:data:`COUNTRIES`).
* **Care**: the lines about washing, bleaching, drying, ironing and dry cleaning, as text.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass, field

#: Canonical fibre -> the names it goes by on labels (Korean, English, common OCR slips), lower case.
FIBRES: dict[str, tuple[str, ...]] = {
    "cotton": ("cotton", "coton", "c0tton", "면", "코튼", "순면", "면사"),
    "polyester": ("polyester", "poliester", "polyeste", "polyster", "폴리에스터", "폴리에스테르", "폴리에스텔", "폴리"),
    "rayon": ("rayon", "viscose", "레이온", "비스코스"),
    "nylon": ("nylon", "polyamide", "나일론", "폴리아미드"),
    "acrylic": ("acrylic", "acryl", "아크릴"),
    "wool": ("wool", "울", "양모", "모"),
    "spandex": ("spandex", "elastane", "polyurethane", "스판덱스", "폴리우레탄", "스판"),
    "linen": ("linen", "flax", "린넨", "리넨", "아마", "마"),
    "silk": ("silk", "실크", "견"),
    "cashmere": ("cashmere", "캐시미어", "캐시미아"),
    "leather": ("leather", "가죽", "천연가죽"),
    "lyocell": ("lyocell", "tencel", "라이오셀", "텐셀"),
    "modal": ("modal", "모달"),
    "acetate": ("acetate", "아세테이트"),
    "alpaca": ("alpaca", "알파카"),
    "angora": ("angora", "앙고라"),
    "mohair": ("mohair", "모헤어"),
    "down": ("down", "duck down", "goose down", "오리털", "거위털", "다운"),
    "feather": ("feather", "깃털", "페더"),
}

#: Country names and their spellings on labels -> the canonical English name.
COUNTRIES: dict[str, tuple[str, ...]] = {
    "South Korea": ("korea", "south korea", "republic of korea", "한국", "대한민국"),
    "China": ("china", "prc", "p.r.c", "중국"),
    "Vietnam": ("vietnam", "viet nam", "베트남"),
    "Indonesia": ("indonesia", "인도네시아"),
    "Bangladesh": ("bangladesh", "방글라데시"),
    "India": ("india", "인도"),
    "Cambodia": ("cambodia", "캄보디아"),
    "Myanmar": ("myanmar", "burma", "미얀마"),
    "Thailand": ("thailand", "태국"),
    "Turkey": ("turkey", "turkiye", "türkiye", "터키", "튀르키예"),
    "Italy": ("italy", "이탈리아"),
    "Japan": ("japan", "일본"),
    "United States": ("usa", "u.s.a", "united states", "미국"),
    "Portugal": ("portugal", "포르투갈"),
    "Pakistan": ("pakistan", "파키스탄"),
    "Sri Lanka": ("sri lanka", "스리랑카"),
    "Philippines": ("philippines", "필리핀"),
    "Malaysia": ("malaysia", "말레이시아"),
    "Mexico": ("mexico", "멕시코"),
}

_SHELL = ("겉감", "본체", "겉", "shell", "outer", "body", "main", "self")
_LINING = ("안감", "만감", "lining")  # 만감: 안감 as OCR often reads it
_OTHER = ("배색", "충전재", "충전", "리브", "trim", "filling", "fill", "rib", "contrast", "padding")
_SIZE_KEYS = ("사이즈", "호칭", "치수", "size", "오칭", "5ize", "s1ze", "512e")
_COUNTRY_KEYS = ("made in", "제조국", "원산지", "생산국", "country of origin", "origin")
_CARE_WORDS = (
    "세탁", "표백", "건조", "다림질", "다리미", "드라이", "클리닝", "탈수", "손빨래", "물빨래", "wash", "bleach",
    "dry", "iron", "tumble", "clean", "hand", "steam", "wring", "°c", "℃",
)  # fmt: skip
_LETTER_SIZES = ("XXS", "XS", "S", "M", "L", "XL", "XXL", "XXXL", "2XL", "3XL", "FREE", "F")

_PERCENT = r"(\d{1,3}(?:[.,]\d)?)\s*(%|％|퍼센트)?"


def _alternation(names) -> str:
    return "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))


_FIBRE_OF = {name: canon for canon, names in FIBRES.items() for name in names}
# A Korean name stands alone (no Hangul around it: "모" is not the 모 of "모달"); a Latin one is a word.
_FIBRE_RE = re.compile(rf"(?<![가-힣a-z])({_alternation(_FIBRE_OF)})(?![가-힣a-z])")
_COUNTRY_OF = {name: canon for canon, names in COUNTRIES.items() for name in names}
_COUNTRY_RE = re.compile(rf"(?<![가-힣a-z])({_alternation(_COUNTRY_OF)})(?![가-힣a-z])")
_PART_RE = re.compile(rf"(?<![가-힣a-z])({_alternation(_SHELL + _LINING + _OTHER)})(?![가-힣a-z])")
_NUMBER_RE = re.compile(_PERCENT)


@dataclass
class LabelFields:
    """What a care label says. ``text``: the OCR text (lines joined by ``\\n``); ``composition``: the
    shell's fibres, ``[{"fibre": canonical name, "percent": int or float or None}]`` in label order;
    ``lining``: the lining's, same shape; ``size``, ``country`` (canonical English), ``care`` (lines
    joined by ``\\n``): ``""`` when not found; ``readable``: False when no text was found at all."""

    text: str = ""
    composition: list[dict] = field(default_factory=list)
    lining: list[dict] = field(default_factory=list)
    size: str = ""
    country: str = ""
    care: str = ""
    readable: bool = False

    @property
    def composition_sums_to_100(self) -> bool:
        """Whether the shell's percentages are all known and add up to 100."""
        percents = [c["percent"] for c in self.composition]
        return bool(percents) and None not in percents and abs(sum(percents) - 100) < 0.5

    def as_dict(self) -> dict:
        """The fields as JSON-ready plain values (``python -m vision.read_label`` prints this)."""
        return asdict(self)


def normalise(text: str) -> str:
    """``text`` in Unicode NFKC (full-width ``％``/letters become ASCII), each line's whitespace runs
    collapsed to one space, empty lines dropped, lines joined by ``\\n``."""
    lines = (" ".join(line.split()) for line in unicodedata.normalize("NFKC", text or "").splitlines())
    return "\n".join(line for line in lines if line)


def _number(raw: str) -> int | float:
    value = float(raw.replace(",", "."))
    return int(value) if value.is_integer() else value


def _distance(a: str, b: str) -> int:
    """Levenshtein edit distance (insert, delete, substitute: 1 each)."""
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


_LATIN_FIBRES = [name for name in _FIBRE_OF if name.isascii() and len(name) >= 5]


def _fix_latin(line: str) -> str:
    """A Latin word of 5 letters or more one edit away from a fibre's name is that name (an OCR slip:
    ``moday`` -> ``modal``, ``polyesler`` -> ``polyester``)."""

    def fix(m: re.Match) -> str:
        word = m.group(0)
        if word in _FIBRE_OF:
            return word
        close = [name for name in _LATIN_FIBRES if abs(len(name) - len(word)) <= 1 and _distance(word, name) <= 1]
        return close[0] if len(close) == 1 else word

    return re.sub(r"[a-z]{5,}", fix, line)


def _line_fibres(line: str) -> list[tuple[str, int | float | None]]:
    """The (canonical fibre, percent or None) pairs of one lower-cased line, in order: a percentage
    goes with the fibre just before it when the line starts with a fibre (``면 100%``), else with the
    fibre just after it (``60% cotton``)."""
    line = _fix_latin(line)
    events: list[tuple[int, str, object]] = []
    for m in _FIBRE_RE.finditer(line):
        events.append((m.start(), "f", _FIBRE_OF[m.group(1)]))
    for m in _NUMBER_RE.finditer(line):
        value = _number(m.group(1))
        glued = m.group(2) or any(m.start() >= e[0] for e in events)  # a bare number after a fibre counts
        if 0 < value <= 100 and glued:
            events.append((m.start(), "p", value))
    events.sort(key=lambda e: e[0])
    kinds = [e[1] for e in events]
    if "f" not in kinds:
        return []
    fibre_first = kinds[0] == "f"
    pairs: list[tuple[str, int | float | None]] = []
    pending: str | None = None
    pending_percent: int | float | None = None
    for _, kind, value in events:
        if kind == "f":
            if fibre_first:
                if pending is not None:
                    pairs.append((pending, None))
                pending = value
            else:
                pairs.append((value, pending_percent))
                pending_percent = None
        elif fibre_first and pending is not None:
            pairs.append((pending, value))
            pending = None
        elif not fibre_first:
            pending_percent = value
    if fibre_first and pending is not None:
        pairs.append((pending, None))
    return pairs


def _merge(pairs: list[tuple[str, int | float | None]]) -> list[dict]:
    """One entry per fibre (a bilingual ``면 COTTON 100%`` names cotton twice: the percentage read wins);
    a lone fibre without a percentage is 100 %."""
    out: dict[str, int | float | None] = {}
    for fibre, percent in pairs:
        if fibre not in out or out[fibre] is None:
            out[fibre] = percent
        elif percent is not None and out[fibre] != percent:
            out[fibre] = out[fibre] + percent  # the same fibre twice in one part (rare): added
    if len(out) == 1 and None in out.values():
        out = {k: 100 for k in out}
    return _repair([{"fibre": k, "percent": v} for k, v in out.items()])


def _repair(items: list[dict]) -> list[dict]:
    """Percentages that do not add up to 100, mended where one reading explains it: a single missing
    percentage is the remainder; else one percentage one character away from the remainder of the
    others (``85% / 19%`` -> ``85% / 15%``) is that remainder. Otherwise unchanged."""
    percents = [c["percent"] for c in items]
    if len(items) < 2:
        return items
    if percents.count(None) == 1:
        rest = 100 - sum(p for p in percents if p is not None)
        if 0 < rest < 100:
            return [{**c, "percent": rest if c["percent"] is None else c["percent"]} for c in items]
        return items
    if None in percents or abs(sum(percents) - 100) < 0.5:
        return items
    for i in reversed(range(len(items))):
        rest = 100 - (sum(percents) - percents[i])
        if 0 < rest < 100 and _distance(f"{rest:g}", f"{percents[i]:g}") <= 1:
            return [{**c, "percent": rest if j == i else c["percent"]} for j, c in enumerate(items)]
    return items


def _value_after(line: str, keys: tuple[str, ...]) -> str | None:
    low = line.lower()
    for key in keys:
        at = low.find(key)
        if at >= 0:
            return line[at + len(key) :].lstrip(" :：.-=|/)]").rstrip(" .")
    return None


def _size(lines: list[str]) -> str:
    for line in lines:
        value = _value_after(line, _SIZE_KEYS)
        if value:
            m = re.match(r"(\d{2,3}\s*\(\s*[A-Z0-9]{1,4}\s*\)|[0-9]{2,3}(?:/[0-9]{2,3})?|[A-Za-z0-9]{1,5})", value)
            if m:
                size = re.sub(r"\s+", "", m.group(1)).upper()
                size = {"5": "S", "5M": "SM", "X5": "XS"}.get(size, size)  # S read as 5
                return "FREE" if size in ("FREE", "F", "FREESIZE") else size
    for line in lines:
        if line.strip().upper() in _LETTER_SIZES:
            return "FREE" if line.strip().upper() in ("F", "FREE") else line.strip().upper()
    return ""


def _country(lines: list[str]) -> str:
    for line in lines:
        value = _value_after(line, _COUNTRY_KEYS)
        if value is not None:
            m = _COUNTRY_RE.search(value.lower())
            if m:
                return _COUNTRY_OF[m.group(1)]
    return ""


def _is_care(line: str) -> bool:
    low = line.lower()
    return any(w in low for w in _CARE_WORDS) and not _value_after(line, _COUNTRY_KEYS + _SIZE_KEYS)


def parse_label(text: str) -> LabelFields:
    """The fields of a care label's OCR ``text`` (any mix of Korean and English; see the module
    docstring for the rules). Never raises; a text with nothing recognisable gives empty fields
    (``readable`` is True when there was any text at all)."""
    clean = normalise(text)
    lines = clean.splitlines()
    parts: dict[str, list] = {"shell": [], "lining": [], "other": []}
    part = "shell"
    for line in lines:
        low = line.lower()
        m = _PART_RE.search(low)
        if m and m.start() <= max(3, len(low) // 3):  # a part's name leads its line ("겉감: ...")
            name = m.group(1)
            part = "shell" if name in _SHELL else "lining" if name in _LINING else "other"
        if _value_after(line, _COUNTRY_KEYS + _SIZE_KEYS) is not None or _is_care(line):
            continue
        parts[part] += _line_fibres(low)
    return LabelFields(
        text=clean,
        composition=_merge(parts["shell"]),
        lining=_merge(parts["lining"]),
        size=_size(lines),
        country=_country(lines),
        care="\n".join(line for line in lines if _is_care(line)),
        readable=bool(clean.strip()),
    )


def composition_text(composition: list[dict], lining: list[dict] | None = None) -> str:
    """A composition as one line for a garment's material field: ``cotton 60%, polyester 40%``, and
    ``; lining: polyester 100%`` when there is a lining."""

    def one(items):
        return ", ".join(
            f"{c['fibre']} {c['percent']:g}%" if c.get("percent") is not None else c["fibre"] for c in items
        )

    text = one(composition)
    if lining:
        text += f"; lining: {one(lining)}"
    return text
