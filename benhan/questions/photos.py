"""Photos attached to a question: type and size checked, and decoded to be sure they are the image they claim."""

from __future__ import annotations

import io
from dataclasses import dataclass

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from PIL import Image

from .errors import QuestionError

# The type stored is the one Pillow finds in the bytes, never the browser's claim.
FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
MAX_PHOTOS = 3
MAX_PIXELS = 40_000_000


def max_bytes() -> int:
    return int(getattr(settings, "QUESTIONS_PHOTO_MAX_BYTES", 5 * 1024 * 1024))


def _too_big(name: str) -> str:
    return _("Ảnh %(name)s lớn quá %(kb)s KB.") % {"name": name, "kb": max_bytes() // 1024}


@dataclass(frozen=True)
class Photo:
    content_type: str
    data: bytes
    name: str


def check_photo(name: str, data: bytes) -> Photo:
    if len(data) > max_bytes():
        raise QuestionError(_too_big(name))
    try:
        with Image.open(io.BytesIO(data)) as image:
            kind = image.format or ""
            if image.width * image.height > MAX_PIXELS:
                raise QuestionError(_("Ảnh %(name)s quá nhiều điểm ảnh.") % {"name": name})
            image.verify()
    except QuestionError:
        raise
    except Exception as exc:  # Pillow raises many types for bytes that are not an image
        raise QuestionError(_("Tệp %(name)s không phải ảnh JPEG, PNG hay WebP.") % {"name": name}) from exc
    if kind not in FORMATS:
        raise QuestionError(_("Tệp %(name)s không phải ảnh JPEG, PNG hay WebP.") % {"name": name})
    return Photo(FORMATS[kind], data, name[:100])


def photos_from(files: list[UploadedFile]) -> list[Photo]:
    files = [f for f in files if f.size]
    if len(files) > MAX_PHOTOS:
        raise QuestionError(_("Chỉ gửi được tối đa %(n)s ảnh.") % {"n": MAX_PHOTOS})
    out = []
    for f in files:
        if (f.size or 0) > max_bytes():
            raise QuestionError(_too_big(str(f.name)))
        out.append(check_photo(str(f.name or "anh"), f.read()))
    return out
