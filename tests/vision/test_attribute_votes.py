"""Three labellings of the same pictures (``vision.attribute_votes``): sheet numbers back to stems,
the cell-by-cell majority and the agreement figures, on small hand-made CSVs. No Django here."""

from __future__ import annotations

import pytest

from vision import attribute_votes
from vision.attribute_data import read_labels

HEADER = "image,pattern,sleeve,neckline,fit,wash,damage\n"


def test_a_cell_takes_the_value_two_of_three_give_else_stays_empty():
    assert attribute_votes.vote_cell(["solid", "striped", "solid"]) == "solid"
    assert attribute_votes.vote_cell([None, "crew", "crew"]) == "crew"  # the first labelling left it empty
    assert attribute_votes.vote_cell(["solid", "striped", "checked"]) is None  # no majority
    assert attribute_votes.vote_cell(["hood", None, None]) is None  # two said: does not apply / unsure
    assert attribute_votes.vote_cell([None, None, None]) is None


def test_vote_and_agreement_over_whole_files(tmp_path):
    first, second, third, base = (tmp_path / n for n in ("first.csv", "second.csv", "third.csv", "base.csv"))
    first.write_text(HEADER + "a,solid,long,hood,,,none\nb,,,,straight,medium,none\n")
    second.write_text(HEADER + "a,solid,long,crew,,,none\nb,solid,,,wide,medium,none\n")
    third.write_text(HEADER + "a,striped,long,crew,,,none\nb,solid,,,skinny,dark,none\n")
    base.write_text(HEADER + "a,graphic,short,v,,,none\nc,solid,short,crew,,,none\n")
    args = ["vote", "--labels", str(base), "--out", str(tmp_path / "out.csv"), str(first), str(second), str(third)]
    assert attribute_votes.main(args) == 0
    out = read_labels(tmp_path / "out.csv")
    assert out["a"] == {"pattern": "solid", "sleeve": "long", "neckline": "crew", "damage": "none"}
    assert out["b"] == {"pattern": "solid", "wash": "medium", "damage": "none"}  # fit: three answers, no majority
    assert out["c"] == {"pattern": "solid", "sleeve": "short", "neckline": "crew", "damage": "none"}  # not voted: kept
    agree = attribute_votes.agreement(read_labels(first), read_labels(second))
    assert agree["neckline"] == {"n": 1, "agree": 0.0, "one_empty": 0}
    assert agree["pattern"] == {"n": 1, "agree": 1.0, "one_empty": 1}
    assert agree["wash"] == {"n": 1, "agree": 1.0, "one_empty": 0}
    assert agree["sleeve"] == {"n": 1, "agree": 1.0, "one_empty": 0}


def test_sheet_numbers_map_back_to_stems_and_bad_files_are_refused(tmp_path):
    index = tmp_path / "index.csv"
    index.write_text("sheet,number,image\nsheet01.png,1,photo-x\nsheet01.png,2,ccp-0001-jeans\n")
    labels = tmp_path / "numbers.csv"
    labels.write_text(
        "number,pattern,sleeve,neckline,fit,wash,damage\n1,floral,short,v,,,none\n2,solid,,,skinny,dark,ripped\n"
    )
    rows = attribute_votes.from_sheets(index, labels)
    assert rows == {
        "photo-x": {"pattern": "floral", "sleeve": "short", "neckline": "v", "damage": "none"},
        "ccp-0001-jeans": {"pattern": "solid", "fit": "skinny", "wash": "dark", "damage": "ripped"},
    }
    labels.write_text("number,pattern,sleeve,neckline,fit,wash,damage\n1,plaid,,,,,\n2,solid,,,,,\n")
    with pytest.raises(ValueError, match="plaid"):
        attribute_votes.from_sheets(index, labels)
    labels.write_text("number,pattern,sleeve,neckline,fit,wash,damage\n1,solid,,,,,\n")
    with pytest.raises(ValueError, match="not labelled"):
        attribute_votes.from_sheets(index, labels)
