"""Reading the files district systems and Excel produce: UTF-8, UTF-8 with a BOM, or
GBK/GB18030 from Chinese Windows. Decoding is strict: a file that is none of these is
refused, never read with replacement characters."""

from __future__ import annotations

from django.core.files.base import ContentFile

# GB18030 is a superset of GBK and GB2312; try it after UTF-8, which is stricter.
ENCODINGS = ("utf-8-sig", "gb18030")
MAX_UPLOAD_BYTES = 20 * 1024 * 1024


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


class TranscodingImportMixin:
    """For django-import-export admin classes: accept GBK uploads too.

    django-import-export decodes text uploads as UTF-8 only, so a GBK file would fail; the
    upload is decoded here and handed on as UTF-8. An undecodable file is passed through unchanged
    and the admin then refuses it with its read error.
    """

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
