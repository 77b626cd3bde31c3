"""The portal's "today": the date in Asia/Shanghai.

The demo (``make run``) freezes it with STREETVAX_DEMO_DATE, so the 2021 campaign of the
seeds can be worked in as if it were running. Every "today" in the code comes from here.
"""

from datetime import date

from django.conf import settings
from django.utils import timezone


def today() -> date:
    return settings.STREETVAX_DEMO_DATE or timezone.localdate()
