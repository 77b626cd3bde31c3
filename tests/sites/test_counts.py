import pytest
from django.core.exceptions import ValidationError

from sites.counts import parse_count


@pytest.mark.parametrize(
    ("typed", "count"),
    [("12", 12), (" 305 ", 305), ("0", 0), ("１２", 12), ("０", 0), ("", None), ("  ", None)],
)
def test_whole_numbers_full_width_digits_and_blanks_are_accepted(typed, count):
    assert parse_count(typed) == count


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("-3", "不能为负数"),
        ("－3", "不能为负数"),
        ("2.5", "必须是整数"),
        ("=1+1", "公式"),
        ("十二", "请填写整数"),
        ("12人", "请填写整数"),
        ("1,200", "请填写整数"),
        ("9999999", "太多"),
        ("9" * 5000, "最多 100000"),
        ("٣", "请填写整数"),  # an Arabic-Indic digit: isdigit() but not ASCII after NFKC,
    ],
)
def test_anything_else_is_refused_with_a_reason(typed, message):
    with pytest.raises(ValidationError) as error:
        parse_count(typed)
    assert message in error.value.messages[0]
