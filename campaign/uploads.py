"""Reading the files district systems and Excel produce: UTF-8, UTF-8 with a BOM, or
GBK/GB18030 from Chinese Windows. Decoding is strict: a file that is none of these is
refused, never read with replacement characters."""

from __future__ import annotations

import io
import re
import zipfile

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from import_export.formats import base_formats
from import_export.forms import ImportForm
from openpyxl import load_workbook

# GB18030 is a superset of GBK and GB2312; try it after UTF-8, which is stricter.
ENCODINGS = ("utf-8-sig", "gb18030")
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
# The admin's imports (committees, sites, targets) read at most this many rows: a city's
# committees fit, and django-import-export checks every row in the request, so a file of
# junk rows (300,000 in a 208-KB XLSX) is refused before it holds a web worker.
ADMIN_IMPORT_MAX_ROWS = 10_000


class UndecodableFile(ValueError):
    pass


def decode_upload(raw: bytes) -> tuple[str, str]:
    """The text of an uploaded file and the encoding it was written in."""
    for encoding in ENCODINGS:
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        if encoding == "utf-8-sig":
            return text, "utf-8-bom" if raw.startswith(b"\xef\xbb\xbf") else "utf-8"
        return text, encoding
    raise UndecodableFile("not UTF-8 and not GBK/GB18030")


def rows_over(raw: bytes, limit: int) -> bool:
    """Whether a CSV or XLSX file has more than ``limit`` rows after its header, counted
    without reading the rest (an XLSX is read row by row and left at ``limit`` + 2)."""
    if raw.startswith(b"PK"):  # XLSX is a zip
        try:
            workbook = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
        except (zipfile.BadZipFile, KeyError, OSError, ValueError):
            return False  # not a workbook: the import then says it cannot read it
        try:
            sheet = workbook.active
            if sheet is None or not hasattr(sheet, "iter_rows"):
                return False
            rows = sheet.iter_rows(values_only=True)
            return any(count > limit + 1 for count, _row in enumerate(rows, start=1))
        finally:
            workbook.close()
    return len(re.findall(rb"\r\n|\r|\n", raw.rstrip(b"\r\n"))) > limit


class BoundedImportForm(ImportForm):
    """django-import-export's upload form, with the portal's limits on size and rows."""

    def clean_import_file(self):
        upload = self.cleaned_data["import_file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise ValidationError(_("The file is larger than 20 MB."))
        raw = b"".join(upload.chunks())
        upload.seek(0)
        if rows_over(raw, ADMIN_IMPORT_MAX_ROWS):
            raise ValidationError(
                _("The file has more than %(rows)s rows: split it into smaller files.")
                % {"rows": f"{ADMIN_IMPORT_MAX_ROWS:,}"}
            )
        return upload


class TranscodingImportMixin:
    """For django-import-export admin classes: accept GBK uploads too.

    django-import-export decodes text uploads as UTF-8 only, so a GBK file would fail; the
    upload is decoded here and handed on as UTF-8. An undecodable file is passed through unchanged
    and the admin then refuses it with its read error. Its upload form refuses files over
    the portal's size and row limits.
    """

    def get_import_form_class(self, request):
        return BoundedImportForm

    def get_import_formats(self):
        # The two formats the docs promise; JSON, YAML, TSV and HTML only confuse the choice.
        return [base_formats.CSV, base_formats.XLSX]

    def add_data_read_fail_error_to_form(self, form, e):
        # The stock message names the Python exception, in English.
        form.add_error(
            "import_file",
            _(
                "The file cannot be read in the chosen format: choose csv for a CSV file "
                "and xlsx for an Excel workbook, then upload it again."
            ),
        )

    def write_to_tmp_storage(self, import_file, input_format):
        if not input_format.is_binary():
            raw = b"".join(import_file.chunks())
            try:
                text, _encoding = decode_upload(raw)
                raw = text.encode("utf-8")
            except UndecodableFile:
                pass
            name = import_file.name
            import_file = ContentFile(raw, name=name)
        return super().write_to_tmp_storage(import_file, input_format)
