"""Care-label reading (``vision.label_parse``, ``vision.read_label``): the parser on text in Korean and
English, and Tesseract on labels rendered by ``bench.care_label_set`` (development seeds only)."""

from __future__ import annotations

import json
import shutil

import pytest

from bench.care_label_set import blank, sample
from vision.label_parse import composition_text, parse_label
from vision.read_label import main, read_label

needs_tesseract = pytest.mark.skipif(
    shutil.which("tesseract") is None, reason="apt-get install tesseract-ocr tesseract-ocr-kor tesseract-ocr-eng"
)


def _pairs(fields):
    return [(c["fibre"], c["percent"]) for c in fields]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("면 100%", [("cotton", 100)]),
        ("COTTON 60% POLYESTER 40%", [("cotton", 60), ("polyester", 40)]),
        ("60% cotton\n40% polyester", [("cotton", 60), ("polyester", 40)]),
        ("혼용률: 폴리에스테르 65% 레이온 35%", [("polyester", 65), ("rayon", 35)]),
        ("VISCOSE 70% POLYAMIDE 25% ELASTANE 5%", [("rayon", 70), ("nylon", 25), ("spandex", 5)]),
        ("면 COTTON 95% 폴리우레탄 SPANDEX 5%", [("cotton", 95), ("spandex", 5)]),
        ("울 80% 캐시미어 20%", [("wool", 80), ("cashmere", 20)]),
        ("린넨 55% 면 45%", [("linen", 55), ("cotton", 45)]),
        ("100% SILK", [("silk", 100)]),
        ("나일론", [("nylon", 100)]),  # a lone fibre: 100 %
        ("COTTON 70% MODAY- 00", [("cotton", 70), ("modal", 30)]),  # OCR slip mended
        ("실크 85% 캐시미어 19%", [("silk", 85), ("cashmere", 15)]),  # one character off: the remainder
        ("모달 50% 아크릴 50%", [("modal", 50), ("acrylic", 50)]),  # 모 of 모달 is not wool
    ],
)
def test_composition_in_both_languages(text, expected):
    assert _pairs(parse_label(text).composition) == expected


def test_shell_and_lining_are_kept_apart_and_trims_left_out():
    fields = parse_label("겉감: 폴리에스터 65% 레이온 35%\n안감: 폴리에스터 100%\n배색: 면 100%")
    assert _pairs(fields.composition) == [("polyester", 65), ("rayon", 35)]
    assert _pairs(fields.lining) == [("polyester", 100)]
    assert fields.composition_sums_to_100
    assert composition_text(fields.composition, fields.lining) == "polyester 65%, rayon 35%; lining: polyester 100%"
    english = parse_label("SHELL: 100% WOOL\nLINING: 100% VISCOSE")
    assert _pairs(english.composition) == [("wool", 100)] and _pairs(english.lining) == [("rayon", 100)]


@pytest.mark.parametrize(
    "text, size, country",
    [
        ("SIZE: M\nMADE IN VIETNAM", "M", "Vietnam"),
        ("호칭: 95(M)\n제조국: 베트남", "95(M)", "Vietnam"),
        ("사이즈 : 28\n원산지: 중국", "28", "China"),
        ("Size: FREE\nMade in Korea", "FREE", "South Korea"),
        ("SIZE: 5\nCOUNTRY OF ORIGIN: BANGLADESH", "S", "Bangladesh"),
        ("XL\n제조국: 대한민국", "XL", "South Korea"),
    ],
)
def test_size_and_country(text, size, country):
    fields = parse_label(text)
    assert (fields.size, fields.country) == (size, country)


def test_care_lines_are_kept_as_text():
    fields = parse_label("면 100%\n물세탁 30°C 이하\n표백제 사용 금지\nMACHINE WASH COLD\n제조국: 중국")
    assert fields.care.splitlines() == ["물세탁 30°C 이하", "표백제 사용 금지", "MACHINE WASH COLD"]
    assert _pairs(fields.composition) == [("cotton", 100)]


def test_nothing_recognisable_gives_empty_fields():
    fields = parse_label("")
    assert not fields.readable and fields.composition == [] and fields.size == fields.country == fields.care == ""
    assert parse_label("hello there").composition == []


@needs_tesseract
@pytest.mark.parametrize("seed", [0, 1, 8])
def test_ocr_reads_rendered_labels(seed):
    label = sample(seed)
    fields = read_label(label.image, threads=2)
    assert fields.readable
    assert _pairs(fields.composition) == _pairs(label.composition)
    assert fields.country == label.country


@needs_tesseract
def test_a_photo_without_text_is_not_an_error():
    fields = read_label(blank(3), threads=2)
    assert not fields.readable and fields.composition == [] and fields.size == ""


@needs_tesseract
def test_command_line_prints_json(tmp_path, capsys):
    path = tmp_path / "label.jpg"
    sample(0).image.save(path)
    assert main([str(path)]) == 0
    out = json.loads(capsys.readouterr().out.splitlines()[0])
    assert {"text", "composition", "size", "country", "care"} <= set(out)
    assert out["composition"] == [{"fibre": "acrylic", "percent": 55}, {"fibre": "polyester", "percent": 45}]
    bad = tmp_path / "not.jpg"
    bad.write_bytes(b"not an image")
    assert main([str(bad)]) == 1


def test_levenshtein_and_the_character_error_rate_definition():
    from bench.care_labels import levenshtein

    assert levenshtein("kitten", "sitting") == 3 and levenshtein("", "면 100%") == 6 and levenshtein("울", "울") == 0


@needs_tesseract
def test_benchmark_prints_every_figure(capsys):
    from bench.care_labels import main as bench_main

    bench_main(["--dev", "--limit", "2"])
    out = capsys.readouterr().out
    for figure in ("composition_exact_match", "character_error_rate", "median_s", "p95_s", '"n": 2'):
        assert figure in out
