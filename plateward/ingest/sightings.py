"""A vendor's sighting checked as a read of one camera, with its images stored.

The read is validated by ``ReadIn``, the model of the cameras' own API, and becomes the
``NewRead`` that ``store_reads`` takes: imports and vendor endpoints store reads through the
same path as cameras do, so whatever runs on every stored read (the hot lists) sees theirs.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from sqlalchemy import Connection

from plateward.errors import InvalidInput
from plateward.ingest.destinations import Destination
from plateward.ingest.formats.records import BadRecord, Sighting, stable_id_text
from plateward.ingest.models import ReadIn
from plateward.store.images import ImageStore
from plateward.store.reads import NewRead


def read_in(sighting: Sighting, destination: Destination) -> ReadIn:
    """The sighting as a read of ``destination``'s camera (its fields completed in place)."""
    data: dict[str, Any] = sighting.fields
    if data.get("latitude") is None or data.get("longitude") is None:
        latitude, longitude, heading = destination.position(sighting)
        data["latitude"], data["longitude"] = latitude, longitude
        if heading is not None and data.get("heading") is None:
            data["heading"] = heading
    if data.get("id") is None:
        code = destination.camera.code
        parts = [code if part is None else part for part in sighting.id_parts]
        data["id"] = stable_id_text(sighting.system, *parts)
    try:
        return ReadIn.model_validate(data)
    except ValidationError as exc:
        raise BadRecord(sighting.where, describe(exc)) from None


def new_read(
    connection: Connection,
    sighting: Sighting,
    read: ReadIn,
    images: ImageStore | None,
) -> NewRead:
    """The read as the store takes it, its images written to the image store first."""
    digests: dict[str, str | None] = {"plate_image": None, "context_image": None}
    for name, data in sighting.images.items():
        if images is None:
            continue
        try:
            digests[name] = images.put(
                connection, data, f"{sighting.where} {name}", captured_at=read.captured_at
            )
        except InvalidInput as exc:
            raise BadRecord(sighting.where, exc.message) from None
    for name, digest in sighting.image_digests.items():
        digests[name] = digest
    return read.to_new_read(digests["plate_image"], digests["context_image"])


def describe(exc: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}"
        for err in exc.errors(include_url=False, include_input=False)
    )
