"""Ids and dates read from a link or a form: only what a page can use gets through."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404

from campaign.request_params import checked_day, checked_id, parse_day, parse_id


@pytest.mark.parametrize(("text", "expected"), [("12", 12), (" 7 ", 7), ("", None), (None, None)])
def test_ids_are_ascii_digits(text, expected):
    assert checked_id(text) == expected


@pytest.mark.parametrize("text", ["²", "①", "٣", "１２", "-1", "1.0", "9" * 19, "9" * 5000, "1\0"])
def test_anything_else_is_no_id(text):
    with pytest.raises(ValidationError):
        checked_id(text)
    with pytest.raises(Http404):
        parse_id(text)


def test_days_inside_the_calendar_the_pages_show():
    assert checked_day("2021-06-30") == datetime.date(2021, 6, 30)
    assert checked_day("") is None
    assert parse_day(None) is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("0001-01-01", "请选择 2000-01-01 至 2099-12-31 之间的日期"),
        ("9999-12-31", "请选择 2000-01-01 至 2099-12-31 之间的日期"),
        ("2021-02-30", "不是日期"),
        ("20210630", "不是日期"),
        ("2021-W26-3", "不是日期"),
        ("字" * 10_000, "不是日期"),
    ],
)
def test_days_outside_or_malformed_are_refused_with_a_message(text, message):
    with pytest.raises(ValidationError) as error:
        checked_day(text)
    assert message in error.value.messages[0]
    assert len(error.value.messages[0]) < 100  # a long value is not echoed whole
    with pytest.raises(Http404):
        parse_day(text)
