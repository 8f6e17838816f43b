"""What the governance APIs share: who is acting, reading an upload, sending a file back."""

from __future__ import annotations

from fastapi import Request, UploadFile
from fastapi.responses import Response

from plateward.access.users import User
from plateward.audit.actor import Actor, actor_for
from plateward.errors import InvalidInput
from plateward.governance.files import AttachmentFiles
from plateward.settings import Settings

ATTACHMENTS_FOLDER = "attachments"


def actor_of(request: Request, user: User) -> Actor:
    return actor_for(user, request.client.host if request.client else None)


def attachment_files(settings: Settings) -> AttachmentFiles:
    return AttachmentFiles(settings.data_dir / ATTACHMENTS_FOLDER, settings.records.max_file_bytes)


def read_upload(upload: UploadFile, max_bytes: int) -> bytes:
    """The uploaded file, refused past ``max_bytes`` without reading more than one byte over."""
    data = upload.file.read(max_bytes + 1)
    if len(data) > max_bytes:
        name = upload.filename or "file"
        raise InvalidInput(f"{name}: over the {max_bytes} byte limit")
    return data


def file_response(data: bytes, file_name: str, media_type: str) -> Response:
    """A stored file as a download, never shown inline: it may be anything a person sent."""
    ascii_name = "".join(c if c.isascii() and c.isprintable() else "_" for c in file_name)
    return Response(
        data,
        media_type=media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{ascii_name}"',
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "no-store",
        },
    )
