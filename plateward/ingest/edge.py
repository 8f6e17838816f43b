"""The edge agent: recognise plates beside the camera and deliver every read to the server once.

Two threads share one outbox (``outbox.py``):

* the intake reads the source (an image file, a folder of them, a video file or a stream URL),
  gives each read its UUID and capture time and commits it to the outbox, together with how far
  the source has been read;
* the sender posts the oldest queued reads and deletes them once the server has answered 200.

Another thread, unless ``edge.heartbeat_s`` is 0, posts a heartbeat every so often: the agent's
clock, when it started, how many reads wait in the outbox and the last problem it met, so
administrators see a camera that runs but reads nothing apart from one that stopped. A
heartbeat that fails is only logged: it never stops the reads.

The main thread only starts them and waits: for Ctrl-C, for a fatal error (the server refuses
the camera's key), or with ``once`` for the source to be read and the outbox to be empty.
Killing the agent at any moment loses nothing: what was committed is sent after the restart,
what was not is read again. See docs/edge.md.

A file's reads take the file's modification time as their capture time, the nearest thing to
when it was taken (for a clip, when it ended), so a folder read days later is still placed in
time correctly; a stream's reads take the time they were recognised.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import logging
import os
import stat
import threading
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import httpx

import plateward
from plateward.errors import ConfigurationError, InvalidInput, PlatewardError, UnreadableSource
from plateward.hotlist.edge_copy import EdgeHit, EdgeLists
from plateward.ingest.client import (
    BatchResult,
    SendError,
    SendStopped,
    post_batch,
    post_heartbeat,
)
from plateward.ingest.outbox import Backoff, Outbox, OutboxRead, Progress, Sender
from plateward.recognition.imageio import Source, SourceKind, decode_image, iter_sources
from plateward.recognition.interfaces import Image
from plateward.recognition.types import PlateRead
from plateward.recognition.video import PlateEngine, read_video
from plateward.settings import RecognitionSettings, Settings

log = logging.getLogger(__name__)
alert_log = logging.getLogger("plateward.alert")

OUTBOX_FILE = "edge-outbox.db"
INTERRUPTED = 130
"""Exit status after Ctrl-C, as shells report a SIGINT."""
MAX_ALTERNATIVES = 20
"""The most alternatives the server accepts with a read."""
MAX_EDGE_ALERTS = 20
"""The most alerts the server accepts with a read."""
JOIN_S = 5.0
"""How long a stopping agent waits for its threads to finish what they are doing."""
HEARTBEAT_TIMEOUT_S = 4.0
"""A heartbeat is small; one that takes longer is late anyway, and must not hold up a stop."""
AGENT = f"plateward-edge {plateward.__version__}"


class EdgeEngine(PlateEngine, Protocol):
    """What the agent needs from ``Engine``: still images, and what video needs."""

    def read_image(self, image: Image, source: str) -> list[PlateRead]: ...


def load_engine(settings: RecognitionSettings) -> EdgeEngine:
    """The real engine; a module function so that tests can run the agent with a fake."""
    from plateward.recognition.engine import Engine

    return Engine.from_settings(settings)


@dataclass(frozen=True)
class Site:
    """Where a fixed camera stands and which way it looks (degrees clockwise from north)."""

    latitude: float
    longitude: float
    heading: float | None = None

    def __post_init__(self) -> None:
        if not -90 <= self.latitude <= 90 or not -180 <= self.longitude <= 180:
            raise InvalidInput(f"camera site {self.latitude},{self.longitude}: not a place")
        if self.heading is not None and not 0 <= self.heading < 360:
            raise InvalidInput(f"heading {self.heading}: must be from 0 up to 360 degrees")


@dataclass(frozen=True)
class EdgeOptions:
    camera: str
    source: str
    server_url: str
    key: str
    site: Site
    once: bool = False


def outbox_path(settings: Settings) -> Path:
    return settings.edge.outbox or settings.data_dir / OUTBOX_FILE


def hotlist_copy_path(settings: Settings) -> Path:
    """The agent's copy of its hot lists, beside its outbox."""
    outbox = outbox_path(settings)
    return outbox.with_name(outbox.stem + "-hotlists.db")


def read_json(
    read: PlateRead, read_id: uuid.UUID, captured_at: dt.datetime, site: Site,
    hits: Sequence[EdgeHit] = (),
) -> str:  # fmt: skip
    """A read as the server's ``ReadIn`` JSON, cut to the server's limits so it is not refused."""
    body: dict[str, Any] = {
        "id": str(read_id),
        "captured_at": captured_at.isoformat(),
        "plate": read.plate,
        "raw_text": read.raw_text[:64],
        "confidence": _unit(read.confidence),
        "alternatives": [
            {"plate": a.plate, "confidence": _unit(a.confidence)}
            for a in read.alternatives[:MAX_ALTERNATIVES]
        ],
        "region": read.region[:16] if read.region else None,
        "region_confidence": _unit(read.region_confidence) if read.region else None,
        "latitude": site.latitude,
        "longitude": site.longitude,
        "heading": site.heading,
    }
    if read.crop_jpeg:
        body["plate_image"] = base64.b64encode(read.crop_jpeg).decode()
    if hits:
        raised_at = dt.datetime.now(dt.UTC).isoformat()
        body["edge_alerts"] = [
            {"entry_id": h.match.entry_id, "kind": h.match.kind.value,
             "matched_text": h.match.read_text, "raised_at": raised_at}
            for h in hits[:MAX_EDGE_ALERTS]
        ]  # fmt: skip
    return json.dumps(body, separators=(",", ":"))


def run_edge(settings: Settings, options: EdgeOptions) -> int:
    """Run the agent until interrupted (or, with ``once``, until all is read and sent).

    Returns the exit status: 0, 1 after a fatal error or (with ``once``) an input that could
    not be read or a read the server refused, 130 after Ctrl-C.
    """
    if not options.server_url.startswith(("http://", "https://")):
        raise InvalidInput(f"{options.server_url}: the server must be an http:// or https:// URL")
    if not options.key:
        raise InvalidInput("no camera key: give --key or set PLATEWARD_CAMERA_KEY")
    outbox = Outbox(outbox_path(settings), options.camera)
    agent = Agent(settings, options, outbox)
    try:
        return agent.run()
    finally:
        if agent.stopped_cleanly():
            outbox.close()


class Agent:
    """The intake and sender threads around one outbox, and the rules for when to stop."""

    def __init__(self, settings: Settings, options: EdgeOptions, outbox: Outbox) -> None:
        self.settings = settings
        self.options = options
        self.outbox = outbox
        self.queued = 0
        self.failed_inputs = 0
        self.fatal: PlatewardError | None = None
        self._engine: EdgeEngine | None = None
        self._stop = threading.Event()
        self._new_reads = threading.Event()
        self._intake_done = threading.Event()
        self._drained = threading.Event()
        self._reported: set[str] = set()
        self._last_problem: str | None = None
        self._started_at = dt.datetime.now(dt.UTC)
        self._files_done: set[str] = set()
        self._sender = Sender(
            outbox,
            self._post,
            batch_reads=settings.edge.batch_reads,
            backoff=Backoff(settings.edge.backoff_base_s, settings.edge.backoff_cap_s),
        )
        self._client = httpx.Client()
        self.lists = EdgeLists(hotlist_copy_path(settings))
        self.alerts_raised = 0
        self._beat_client = httpx.Client()
        self._threads = [
            threading.Thread(target=self._guard(self._intake), name="edge-intake", daemon=True),
            threading.Thread(target=self._guard(self._send), name="edge-sender", daemon=True),
            threading.Thread(target=self._sync_lists, name="edge-hotlists", daemon=True),
        ]
        if settings.edge.heartbeat_s > 0:
            self._threads.append(
                threading.Thread(target=self._beat, name="edge-heartbeat", daemon=True)
            )

    def run(self) -> int:
        log.info(
            "camera %s: reading %s, sending to %s; %d reads queued in %s",
            self.options.camera,
            self.options.source,
            self.options.server_url,
            self.outbox.pending_count(),
            self.outbox.path,
        )
        self._sync_once()
        for thread in self._threads:
            thread.start()
        try:
            while not self._stop.wait(0.2):
                if self.options.once and self._drained.is_set():
                    break
        except KeyboardInterrupt:
            self._shut_down()
            log.warning("interrupted; %d reads stay queued", self.outbox.pending_count())
            return INTERRUPTED
        self._shut_down()
        return self._report()

    def stop(self) -> None:
        """Ask ``run`` to return, as Ctrl-C does; what is queued stays queued."""
        self._stop.set()
        self._new_reads.set()

    def stopped_cleanly(self) -> bool:
        return not any(thread.is_alive() for thread in self._threads)

    def _shut_down(self) -> None:
        self.stop()
        for thread in self._threads:
            if thread.is_alive():
                thread.join(JOIN_S)
        if self.stopped_cleanly():
            self._client.close()
            self.lists.close()
            self._beat_client.close()

    def _report(self) -> int:
        totals = self._sender.totals
        pending = self.outbox.pending_count()
        log.info(
            "camera %s: %d reads queued from the source; %d stored, %d already stored,"
            " %d refused; %d still queued",
            self.options.camera,
            self.queued,
            totals.stored,
            totals.duplicates,
            totals.rejected,
            pending,
        )
        if self.fatal is not None:
            log.error("%s", self.fatal.message)
            if pending:
                log.error("%d reads stay queued in %s until it is fixed", pending, self.outbox.path)
            return 1
        if totals.rejected:
            log.error(
                "%d reads were refused by the server; they are kept in %s, table rejected",
                totals.rejected,
                self.outbox.path,
            )
        return 1 if self.failed_inputs or totals.rejected else 0

    def _guard(self, work: Callable[[], None]) -> Callable[[], None]:
        """Run a thread's work; a fatal error stops the whole agent instead of one thread."""

        def guarded() -> None:
            try:
                work()
            except PlatewardError as exc:
                self.fatal = exc
                self._stop.set()
            except Exception as exc:
                log.exception("edge agent failed")
                self.fatal = PlatewardError(f"edge agent failed: {type(exc).__name__}: {exc}")
                self._stop.set()

        return guarded

    # The sender thread.

    def _post(self, reads_json: Sequence[str]) -> BatchResult:
        return post_batch(
            self.options.server_url,
            self.options.key,
            reads_json,
            self.settings.edge.timeout_s,
            client=self._client,
        )

    def _send(self) -> None:
        # SendStopped (the key refused) passes up to _guard and stops the agent.
        while not self._stop.is_set():
            self._new_reads.clear()
            source_done = self._intake_done.is_set()
            delay = self._sender.step()
            if delay is None:
                if source_done and self.options.once:
                    self._drained.set()
                    return
                self._new_reads.wait(self.settings.edge.poll_s)
            elif delay > 0:
                self._stop.wait(delay)

    # The hot list thread: the copy is refreshed while the agent runs; reads are matched
    # against whatever copy it holds, so an agent out of coverage still alerts.

    def _sync_once(self) -> None:
        try:
            received = self.lists.sync(
                self.options.server_url, self.options.key, self._client,
                self.settings.edge.timeout_s,
            )  # fmt: skip
        except (httpx.HTTPError, ValueError, KeyError) as exc:
            log.warning(
                "hot lists: cannot update the copy (%s); matching against the %d entries held",
                exc, len(self.lists),
            )  # fmt: skip
            return
        if received:
            log.info("hot lists: %d entries updated; %d held", received, len(self.lists))

    def _sync_lists(self) -> None:
        while not self._stop.wait(self.settings.edge.hotlist_sync_s):
            self._sync_once()

    # The heartbeat thread.

    def _beat(self) -> None:
        """Beat at once, then every ``heartbeat_s``; failures are logged once each, never fatal."""
        warned: set[str] = set()
        while True:
            try:
                post_heartbeat(
                    self.options.server_url,
                    self.options.key,
                    self.heartbeat(),
                    min(HEARTBEAT_TIMEOUT_S, self.settings.edge.timeout_s),
                    client=self._beat_client,
                )
            except SendStopped as exc:
                log.warning("%s; no more heartbeats", exc.message)
                return
            except SendError as exc:
                if exc.message not in warned:
                    warned.add(exc.message)
                    log.warning("heartbeat: %s", exc.message)
            except Exception:
                log.exception("heartbeat failed")
            if self._stop.wait(self.settings.edge.heartbeat_s):
                return

    def heartbeat(self) -> dict[str, object]:
        """What the agent says of itself (``POST /api/v1/heartbeats``)."""
        return {
            "sent_at": dt.datetime.now(dt.UTC).isoformat(),
            "agent": AGENT,
            "started_at": self._started_at.isoformat(),
            "queued_reads": self.outbox.pending_count(),
            "last_error": self._last_problem,
        }

    # The intake thread.

    def _intake(self) -> None:
        watch = not self.options.once
        try:
            while not self._stop.is_set():
                found = False
                for source in iter_sources([self.options.source]):
                    found = True
                    if self._stop.is_set():
                        return
                    self._read_source(source)
                if not found:
                    self._problem(self.options.source, "folder has no images or videos")
                if not watch or not self._keeps_coming():
                    return
                self._stop.wait(self.settings.edge.poll_s)
        finally:
            self._intake_done.set()
            self._new_reads.set()

    def _keeps_coming(self) -> bool:
        """A folder gets new files and a stream new frames; a single file is read once."""
        path = Path(self.options.source)
        return path.is_dir() or next(iter_sources([self.options.source])).kind is SourceKind.STREAM

    def _read_source(self, source: Source) -> None:
        try:
            if source.kind is SourceKind.IMAGE:
                self._read_image(Path(source.location))
            elif source.kind is SourceKind.VIDEO:
                self._read_video_file(Path(source.location))
            else:
                self._read_stream(source.location)
        except ConfigurationError:
            raise
        except PlatewardError as exc:
            self._problem(source.location, exc.message)

    def _read_image(self, path: Path) -> None:
        """Read an image unless its content was read before, under this name or another.

        The content's hash decides; the file's name, size and time only spare a watched
        folder from reading and hashing every old image again at each look.
        """
        info = _regular_file(path)
        file_key = f"file:{path.resolve()}:{info.st_size}:{info.st_mtime_ns}"
        if file_key in self._files_done or self.outbox.progress(file_key) is not None:
            self._files_done.add(file_key)
            return
        limits = self.settings.recognition
        data = _file_bytes(path, limits.max_file_bytes)
        content_key = "image:" + hashlib.sha256(data).hexdigest()
        if self.outbox.progress(content_key) is not None:
            self.outbox.put([], Progress(file_key, 0, finished=True))
        else:
            image = decode_image(
                data,
                str(path),
                max_pixels=limits.max_image_pixels,
                max_file_bytes=limits.max_file_bytes,
            )
            reads = self._engine_loaded().read_image(image, str(path))
            captured_at = min(_modified_at(info.st_mtime), dt.datetime.now(dt.UTC))
            done = len(reads)
            marks = (Progress(content_key, done, True), Progress(file_key, done, True))
            self._queue(reads, captured_at, *marks)
        self._files_done.add(file_key)

    def _read_video_file(self, path: Path) -> None:
        try:
            info = path.stat()
        except OSError:
            raise UnreadableSource(str(path), "no such video file") from None
        key = f"video:{path.resolve()}:{info.st_size}:{info.st_mtime_ns}"
        progress = self.outbox.progress(key)
        if progress is not None and progress.finished:
            return
        skip = 0 if progress is None else progress.reads_done
        # Skipping by count needs a file to give the same passes every time it is read.
        video = self.settings.video.model_copy(update={"realtime": False})
        captured_at = min(_modified_at(info.st_mtime), dt.datetime.now(dt.UTC))
        done = 0
        for read in read_video(self._engine_loaded(), str(path), video):
            done += 1
            if done > skip:
                self._queue([read], captured_at, Progress(key, done, finished=False))
            if self._stop.is_set():
                return
        self._queue([], captured_at, Progress(key, done, finished=True))

    def _read_stream(self, url: str) -> None:
        for read in read_video(self._engine_loaded(), url, self.settings.video):
            self._queue([read], dt.datetime.now(dt.UTC))
            if self._stop.is_set():
                return

    def _queue(self, reads: list[PlateRead], captured_at: dt.datetime, *marks: Progress) -> None:
        site = self.options.site
        entries = []
        for read in reads:
            read_id = uuid.uuid4()
            hits = self._hot(read)
            entries.append(
                OutboxRead(str(read_id), read_json(read, read_id, captured_at, site, hits))
            )
        self.outbox.put(entries, *marks)
        self.queued += len(entries)
        if entries:
            self._new_reads.set()

    def _hot(self, read: PlateRead) -> list[EdgeHit]:
        """Match a read against the local copy; each hit is announced on the spot."""
        hits = self.lists.match(
            read.plate, [a.plate for a in read.alternatives], read.region,
            read.region_confidence if read.region else None, dt.datetime.now(dt.UTC).timestamp(),
        )  # fmt: skip
        for hit in hits:
            self.alerts_raised += 1
            alert_log.warning("%s", hit.line(read.plate))
        return hits

    def _engine_loaded(self) -> EdgeEngine:
        if self._engine is None:
            self._engine = load_engine(self.settings.recognition)
        return self._engine

    def _problem(self, where: str, message: str) -> None:
        """Count an input that could not be read; a watched folder logs each problem once."""
        self.failed_inputs += 1
        line = f"{where}: {message}" if not message.startswith(where) else message
        self._last_problem = line[:1000]
        if line not in self._reported:
            self._reported.add(line)
            log.error("%s", line)


def _regular_file(path: Path) -> os.stat_result:
    try:
        info = path.stat()
    except FileNotFoundError:
        raise UnreadableSource(str(path), "file not found") from None
    except OSError as exc:
        raise UnreadableSource(str(path), f"cannot open: {exc.strerror or exc}") from None
    if not stat.S_ISREG(info.st_mode):
        raise UnreadableSource(str(path), "not a regular file")
    return info


def _file_bytes(path: Path, max_file_bytes: int) -> bytes:
    """At most one byte over the limit: enough for decode_image to refuse a file too big."""
    try:
        with path.open("rb") as handle:
            return handle.read(max_file_bytes + 1)
    except OSError as exc:
        raise UnreadableSource(str(path), f"cannot read: {exc.strerror or exc}") from None


def _modified_at(mtime: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(mtime, dt.UTC)


def _unit(value: float) -> float:
    return round(min(1.0, max(0.0, value)), 6)
