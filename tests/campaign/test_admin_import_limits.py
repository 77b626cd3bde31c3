"""The admin's imports have the import page's limits (issue 17, item 6): a file of more
rows than a city's committees is refused before django-import-export reads a row."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from campaign import uploads
from campaign.models import Committee

pytestmark = pytest.mark.django_db

HEADER = ["居委编码", "居委", "街道编码", "适种人口"]


def xlsx(rows: int) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(HEADER)
    for n in range(rows):
        sheet.append([f"JUNK-{n}", "垃圾", "NOPE", 1])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv(rows: int) -> bytes:
    lines = [",".join(HEADER), *(f"JUNK-{n},垃圾,NOPE,1" for n in range(rows))]
    return ("\r\n".join(lines) + "\r\n").encode()


def upload(client, name: str, content: bytes):
    url = reverse("admin:campaign_committee_import")
    form = client.get(url).context["form"]
    extension = name.rsplit(".", 1)[1]
    chosen = next(
        value for value, label in form.fields["format"].choices if str(label).lower() == extension
    )
    return client.post(
        url,
        {"resource": 0, "format": chosen, "import_file": SimpleUploadedFile(name, content)},
    )


@pytest.mark.parametrize(("name", "build"), [("big.xlsx", xlsx), ("big.csv", csv)])
def test_a_file_over_the_row_limit_is_refused_with_a_message(
    client, administrator, settings, monkeypatch, name, build
):
    monkeypatch.setattr(uploads, "ADMIN_IMPORT_MAX_ROWS", 50)
    client.force_login(administrator)
    response = upload(client, name, build(51))
    assert response.status_code == 200
    assert response.context.get("confirm_form") is None
    assert "文件超过 50 行" in str(response.context["form"].errors["import_file"])
    assert not Committee.objects.exists()


@pytest.mark.parametrize(("name", "build"), [("fits.xlsx", xlsx), ("fits.csv", csv)])
def test_a_file_at_the_limit_goes_on_to_the_preview(
    client, administrator, monkeypatch, name, build
):
    monkeypatch.setattr(uploads, "ADMIN_IMPORT_MAX_ROWS", 50)
    client.force_login(administrator)
    response = upload(client, name, build(50))
    assert "import_file" not in response.context["form"].errors
