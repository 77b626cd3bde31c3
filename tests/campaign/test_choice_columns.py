"""A choice column reads every spelling of a value (code, Chinese and English label, short
form) whatever the language of the page, before and after the first value it read: its
spellings are worked out once, not once a row."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from sites.resources import DOSES, SITE_KINDS


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_every_spelling_is_read_in_either_language(language):
    with translation.override(language):
        assert DOSES.parse("加强针") == "booster"
        assert DOSES.parse("Booster") == "booster"
        assert DOSES.parse(" booster ") == "booster"
        assert DOSES.parse("ＢＯＯＳＴＥＲ") == "booster"  # full-width, as NFKC folds it
        assert SITE_KINDS.parse("fixed") == "fixed"


def test_an_unknown_value_lists_the_values_in_the_page_language():
    DOSES.parse("booster")  # the spellings already worked out, in another language
    with translation.override("en"), pytest.raises(ValidationError) as english:
        DOSES.parse("fourth")
    with translation.override("zh-hans"), pytest.raises(ValidationError) as chinese:
        DOSES.parse("fourth")
    assert "booster" in english.value.messages[0]
    assert "加强针" in chinese.value.messages[0]
    assert "fourth" in english.value.messages[0]
