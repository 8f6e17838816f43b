"""Which Plateward camera a vendor's read becomes a read of, and where it was taken.

On an import, ``--camera CODE`` names the one camera of a single-camera file, and
``--camera-map FILE`` maps each of the vendor's camera identifiers to a camera. A file that
holds reads of several sources is refused without a map, listing the identifiers found, so
that reads of different places never collapse into one camera. On a vendor endpoint the map
lives on the camera records (``store/camera_sources.py``).

A read needs a position: its own (GPS in the record), else the camera's fixed site, else,
for a vehicle camera on an import, the vehicle's GPS track at the capture time. A read that
has none of them is refused, naming what would fix it.
"""

from __future__ import annotations

import csv
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection

from plateward.errors import InvalidInput
from plateward.ingest.formats.encoding import choose_encoding, open_text
from plateward.ingest.formats.records import BadRecord, Sighting, Source
from plateward.ingest.gps_track import GpsTrack
from plateward.store.camera_sources import bind_first_source, cameras_by_id, sources_via
from plateward.store.cameras import Camera, camera_by_code


@dataclass(frozen=True)
class Destination:
    camera: Camera
    track: GpsTrack | None = None
    vehicle_fix: str = "give each read its position, or the vehicle's GPS track (--gps-track)"
    """What fixes a vehicle camera's read without a position, for the message."""

    def position(self, sighting: Sighting) -> tuple[float, float, float | None]:
        """The read's position (and heading, from a track) when the record has none."""
        camera = self.camera
        if camera.latitude is not None and camera.longitude is not None:
            return camera.latitude, camera.longitude, None
        if self.track is not None:
            fix = self.track.at(sighting.fields["captured_at"])
            if fix is None:
                raise BadRecord(
                    sighting.where, self.track.describe_gap(sighting.fields["captured_at"])
                )
            return fix.latitude, fix.longitude, fix.heading
        if camera.kind == "vehicle":
            raise BadRecord(
                sighting.where,
                f"no position: the record has none and {camera.code} is a vehicle camera;"
                f" {self.vehicle_fix}",
            )
        raise BadRecord(
            sighting.where,
            f"no position: the record has none and camera {camera.code} has no fixed site"
            " (record its latitude and longitude)",
        )


class SeveralSources(Exception):
    """A file without a camera map holds reads of more than one source."""


def load_camera_map(path: Path, encoding: str | None = None) -> dict[str, str]:
    """``source,camera`` lines (a header and ``#`` comments allowed) as {source: camera code}."""
    chosen = choose_encoding(path, encoding)
    mapping: dict[str, str] = {}
    with open_text(path, chosen) as stream:
        for number, row in enumerate(csv.reader(stream), start=1):
            cells = [c.strip() for c in row]
            if not cells or not any(cells) or cells[0].startswith("#"):
                continue
            if not mapping and [c.lower() for c in cells[:2]] == ["source", "camera"]:
                continue
            if len(cells) < 2 or not cells[0] or not cells[1]:
                raise InvalidInput(f"{path} line {number}: expected 'source,camera'")
            if cells[0] in mapping and mapping[cells[0]] != cells[1]:
                raise InvalidInput(
                    f"{path} line {number}: source {cells[0]!r} is mapped twice"
                    f" ({mapping[cells[0]]} and {cells[1]})"
                )
            mapping[cells[0]] = cells[1]
    if not mapping:
        raise InvalidInput(f"{path}: the camera map has no 'source,camera' lines")
    return mapping


class FileDestinations:
    """The cameras of one import file's reads."""

    def __init__(
        self,
        connection: Connection,
        *,
        camera: str | None,
        camera_map: dict[str, str] | None,
        map_name: str = "the camera map",
        track: GpsTrack | None = None,
        sources_are_cameras: bool = False,
        lock: AbstractContextManager[object] | None = None,
    ) -> None:
        if camera is None and camera_map is None and not sources_are_cameras:
            raise InvalidInput("give --camera CODE (one camera's file) or --camera-map FILE")
        if track is not None and camera is None:
            raise InvalidInput("--gps-track is one vehicle's track: give its camera with --camera")
        self.connection = connection
        self.lock = lock or nullcontext()
        self.map = camera_map
        self.map_name = map_name
        self.sources_are_cameras = sources_are_cameras
        self.default = None if camera is None else self._camera(camera, track)
        self.cameras: dict[str, Destination] = {}
        self.seen: dict[str, Source] = {}
        """Every distinct source met, by key, for the message listing them."""
        if camera_map is not None:
            for code in sorted(set(camera_map.values())):
                self.cameras[code] = self._camera(code, None)

    def _camera(self, code: str, track: GpsTrack | None) -> Destination:
        with self.lock:
            return Destination(camera_by_code(self.connection, code), track)

    def saw(self, source: Source | None) -> None:
        """Note a source met (for the several-sources check and its message)."""
        if source is not None and source.key not in self.seen:
            self.seen[source.key] = source

    def of(self, sighting: Sighting) -> Destination:
        source = sighting.source
        self.saw(source)
        if self.map is not None:
            if source is None:
                if self.default is None:
                    raise BadRecord(sighting.where, "the record names no camera; give --camera")
                return self.default
            for name in source.names():
                code = self.map.get(name)
                if code is not None:
                    return self.cameras[code]
            raise BadRecord(sighting.where, f"source {source.describe()} is not in {self.map_name}")
        if self.sources_are_cameras and source is not None:
            if self.default is not None:
                if source.key != self.default.camera.code:
                    raise BadRecord(
                        sighting.where,
                        f"the read is from camera {source.key}, not {self.default.camera.code};"
                        " import each camera's rows into that camera",
                    )
                return self.default
            if source.key not in self.cameras:
                self.cameras[source.key] = self._camera(source.key, None)
            return self.cameras[source.key]
        if self.default is None:
            raise BadRecord(sighting.where, "the record names no camera; give --camera")
        if source is not None and self.too_many_sources():
            raise SeveralSources()
        return self.default

    def too_many_sources(self) -> bool:
        """Reads of several sources met where the import puts them all at one camera."""
        return self.map is None and not self.sources_are_cameras and len(self.seen) > 1

    def several_sources(self, path: Path) -> InvalidInput:
        listed = "; ".join(s.describe() for s in self.seen.values())
        return InvalidInput(
            f"{path}: reads of {len(self.seen)} sources ({listed}); --camera puts a file's"
            " reads at one camera, so map each source to its camera with --camera-map FILE"
            " (lines of 'source,camera')"
        )


class EndpointDestinations:
    """The cameras of one vendor request's reads, by the sources mapped on ``via``'s record."""

    def __init__(self, connection: Connection, via: Camera, system: str) -> None:
        self.connection = connection
        self.via = via
        self.system = system
        self.mapped = sources_via(connection, via, system)
        self.cameras: dict[int, Camera] = {via.id: via}
        self.vehicle_fix = "send its GPS position with each read (the agent's GPS setting)"

    def of(self, sighting: Sighting) -> Destination:
        return self.destination(sighting.source, sighting.where, bind=True)

    def destination(self, source: Source | None, where: str, *, bind: bool) -> Destination:
        if source is None:
            return Destination(self.via, vehicle_fix=self.vehicle_fix)
        for name in source.names():
            camera_id = self.mapped.get(name)
            if camera_id is not None:
                return Destination(self._camera(camera_id), vehicle_fix=self.vehicle_fix)
        if bind and not self.mapped:
            # This key's first source is its own camera; any other will need mapping.
            bind_first_source(self.connection, self.via, self.system, source.key, source.label)
            self.mapped[source.key] = self.via.id
            return Destination(self.via, vehicle_fix=self.vehicle_fix)
        known = ", ".join(sorted(self.mapped)) or "none"
        raise InvalidInput(
            f"{where}: {self.system} source {source.describe()} is not mapped to a camera;"
            f" camera {self.via.code}'s key delivers {known}. Map it with `plateward camera"
            f" source add {self.via.code} {self.system} '{source.key}' --camera CODE`"
        )

    def _camera(self, camera_id: int) -> Camera:
        if camera_id not in self.cameras:
            self.cameras.update(cameras_by_id(self.connection, {camera_id}))
        return self.cameras[camera_id]
