"""A subdistrict clerk publishes the day's bulletin on a phone, downloads its PNG for the
chat group, and the page prints on one A4 sheet. Screenshots go to test-results/."""

import io
import re
from pathlib import Path

import pytest
from PIL import Image

from reports.models import Bulletin
from tests.browser.conftest import PHONE, log_in
from tests.reports.bulletin_scene import build_scene

pytestmark = pytest.mark.django_db(transaction=True)
RESULTS = Path(__file__).resolve().parents[2] / "test-results"


@pytest.fixture
def scene(settings, subdistrict, committee):
    return build_scene(settings, subdistrict, committee)


def test_clerk_publishes_the_bulletin_and_downloads_its_png(
    phone_page, live_server, subdistrict_staff, scene
):
    log_in(phone_page, live_server, "clerk", "correct-horse-battery")
    phone_page.goto(f"{live_server.url}/bulletins/")
    phone_page.click("#bulletin-prepare button[type=submit]")
    phone_page.wait_for_selector("#draft >> text=尚未发布")
    assert "<strong>390</strong>" in phone_page.content()

    # 上海西站临时接种点 has not reported: refused until "仍然发布" is ticked.
    assert "上海西站临时接种点" in phone_page.inner_text("#unreported-warning")
    phone_page.click("#publish")
    phone_page.wait_for_selector("text=还有 1 个接种点未上报")
    assert not Bulletin.objects.exists()
    phone_page.check("#unreported-confirmed")
    phone_page.click("#publish")
    phone_page.wait_for_selector("text=已发布。这份通报今后不会改变。")
    bulletin = Bulletin.objects.get()
    assert bulletin.published_by == subdistrict_staff
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    RESULTS.mkdir(exist_ok=True)
    phone_page.screenshot(path=RESULTS / "bulletin-phone.png", full_page=True)

    with phone_page.expect_download() as downloading:
        phone_page.click("#download-png")
    download = downloading.value
    assert download.suggested_filename == "bulletin-310107-WL-2021-04-29.png"
    image = Image.open(io.BytesIO(Path(download.path()).read_bytes()))
    assert image.format == "PNG"
    assert image.width == 1080

    # Printed, the bulletin is one A4 sheet (Chromium's PDF is what the print dialog makes).
    pdf = phone_page.pdf(format="A4")
    assert _pages(pdf) == 1


def _pages(pdf: bytes) -> int:
    """Pages of a PDF: the /Count of its page tree."""
    return max(int(n) for n in re.findall(rb"/Count (\d+)", pdf))
