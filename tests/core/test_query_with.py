"""``{% query_with %}`` (wardrobe/core/templatetags/core_tags.py): the current query string with some
keys changed, ``page`` dropped, repeated keys and non-ASCII values kept as ``QueryDict.urlencode``
writes them."""

from __future__ import annotations

from django.http import QueryDict
from django.test import RequestFactory

from wardrobe.core.templatetags.core_tags import options, query_with


def _with(query: str, **changes) -> str:
    return query_with({"request": RequestFactory().get("/closet/?" + query)}, **changes)


def test_changes_replace_remove_and_drop_the_page():
    assert _with("section=tops&page=3&sort=newest", category="shirt", section=None) == "?sort=newest&category=shirt"
    assert _with("page=2") == "?"
    assert _with("q=striped+shirt&color=navy", color="") == "?q=striped+shirt"


def test_repeated_keys_and_other_alphabets_read_as_querydict_writes_them():
    query = "tag=work&tag=%ED%95%9C%EA%B8%80&q=a%26b%3Dc"
    expected = QueryDict(query, mutable=True)
    expected["sort"] = "oldest"
    assert _with(query, sort="oldest") == "?" + expected.urlencode()


def test_options_mark_the_selected_value_and_escape():
    html = options([("a", "A <b>"), ("b&c", "B"), (3, "three")], 3)
    assert html == (
        '<option value="a">A &lt;b&gt;</option><option value="b&amp;c">B</option>'
        '<option value="3" selected>three</option>'
    )
    assert " selected" not in options([("a", "A")], None) and " selected" not in options([("", "Any")], "")
