"""Evidence files of a negotiation: what a file is, told by its first bytes
(never by its name or the browser's content type), and how big it may be.

Pure: reads the bytes it is given.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404

MB = 1024 * 1024
IMAGE_MAX_BYTES = 10 * MB  # a phone screenshot is well below
PDF_MAX_BYTES = 10 * MB
RECORDING_MAX_BYTES = 30 * MB  # about half an hour of a phone call in AAC/M4A
SNIFF_BYTES = 16

SCREENSHOT = "screenshot"
RECORDING = "recording"
DOCUMENT = "document"

MAX_BYTES = {SCREENSHOT: IMAGE_MAX_BYTES, RECORDING: RECORDING_MAX_BYTES, DOCUMENT: PDF_MAX_BYTES}


@dataclass(frozen=True)
class FileType:
    kind: str  # SCREENSHOT, RECORDING or DOCUMENT (NegotiationAttachment.Kind)
    content_type: str
    extension: str

    @property
    def max_bytes(self) -> int:
        return MAX_BYTES[self.kind]


PNG = FileType(SCREENSHOT, "image/png", ".png")
JPEG = FileType(SCREENSHOT, "image/jpeg", ".jpg")
WEBP = FileType(SCREENSHOT, "image/webp", ".webp")
HEIC = FileType(SCREENSHOT, "image/heic", ".heic")
M4A = FileType(RECORDING, "audio/mp4", ".m4a")
MP3 = FileType(RECORDING, "audio/mpeg", ".mp3")
AMR = FileType(RECORDING, "audio/amr", ".amr")
WAV = FileType(RECORDING, "audio/wav", ".wav")
AAC = FileType(RECORDING, "audio/aac", ".aac")
PDF = FileType(DOCUMENT, "application/pdf", ".pdf")

# ISO base media files (bytes 4–8 "ftyp"), by major brand.
HEIC_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"}
M4A_BRANDS = {b"M4A ", b"M4B ", b"mp41", b"mp42", b"isom", b"3gp4", b"3gp5", b"3gp6"}


def sniff(head: bytes) -> FileType | None:
    """The type of a file from its first bytes, or None if it is none we keep."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"#!AMR"):
        return AMR
    if head.startswith(b"ID3"):
        return MP3
    if head.startswith(b"ADIF"):
        return AAC
    if len(head) >= 12 and head.startswith(b"RIFF"):
        if head[8:12] == b"WEBP":
            return WEBP
        if head[8:12] == b"WAVE":
            return WAV
        return None
    if len(head) >= 12 and head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in HEIC_BRANDS:
            return HEIC
        if brand in M4A_BRANDS:
            return M4A
        return None
    if len(head) >= 2 and head[0] == 0xFF:
        second = head[1]
        layer = second & 0x06
        if second & 0xF0 == 0xF0 and layer == 0:  # ADTS: 12 sync bits, layer 00
            return AAC
        if second & 0xE0 == 0xE0 and layer != 0:  # MPEG audio frame, layer I–III
            return MP3
    return None


def kind_for(head: bytes) -> str | None:
    found = sniff(head)
    return found.kind if found else None


def private_file_response(stored: FieldFile, content_type: str, name: str) -> FileResponse:
    """A kept file, served only by a view that checked access: always as a
    download (never shown inline), with the type found when it was uploaded and
    the stored extension; a file gone from storage is a 404."""
    try:
        handle = stored.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    extension = stored.name.rsplit(".", 1)[-1] if stored.name else "bin"
    return FileResponse(
        handle, as_attachment=True, filename=f"{name}.{extension}", content_type=content_type
    )


def store(record, field: FieldFile, upload, stem: str, file_type: FileType):
    """Save ``upload`` into ``field`` as ``stem`` with the extension of what the
    file is (not what it was called), then the ``record`` that holds it; if the
    row cannot be saved, the stored file is removed again."""
    upload.seek(0)
    field.save(f"{stem}{file_type.extension}", upload, save=False)
    stored = field.name
    assert stored is not None  # save() named the file
    try:
        record.save()
    except Exception:
        field.storage.delete(stored)
        raise
    return record
