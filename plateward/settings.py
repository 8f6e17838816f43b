"""Every setting Plateward has, in one pydantic-settings model.

Values come, strongest first, from: arguments given to ``load_settings`` (the CLI's flags),
``PLATEWARD_*`` environment variables (nested with ``__``, e.g.
``PLATEWARD_RECOGNITION__THREADS=2``), the TOML configuration file, then the defaults below.
The file is ``--config PATH`` or ``PLATEWARD_CONFIG``, else ``plateward.toml`` in the working
directory when there is one. Unknown keys are refused, so a misspelt setting fails at start-up
instead of being silently ignored. ``docs/configuration.md`` is generated from this module.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from plateward.errors import ConfigurationError

CONFIG_ENV = "PLATEWARD_CONFIG"
DEFAULT_CONFIG_FILE = Path("plateward.toml")


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RecognitionSettings(Section):
    """How images become plate reads (``plateward/recognition``)."""

    threads: int = Field(2, ge=1, le=64, description="onnxruntime intra-op threads for each model.")
    detector: Literal["platedet", "open-image-models"] = Field(
        "platedet", description="Plate detector back-end."
    )
    detector_model: Path | None = Field(
        None, description="Local ONNX file for the open-image-models detector back-end."
    )
    detector_input_px: int = Field(
        640,
        ge=320,
        le=1280,
        multiple_of=32,
        description=(
            "Long side of the image as the platedet network sees it (a multiple of 32): smaller"
            " is faster (about quadratically) and loses the smallest plates first."
        ),
    )
    detection_confidence: float = Field(
        0.25, ge=0.01, le=0.99, description="Lowest detector score kept as a plate."
    )
    weak_detection_confidence: float = Field(
        0.1,
        ge=0.01,
        le=0.99,
        description=(
            "In a frame where nothing reaches detection_confidence, a plate scored at least"
            " this (platedet, after its zoomed second look) is kept if its reading is a"
            " confident plate of a known format."
        ),
    )
    reader: Literal[
        "rapidocr-tuned", "plateward", "plateward+rapidocr", "rapidocr", "fast-plate-ocr"
    ] = Field(
        "rapidocr-tuned",
        description=(
            "Plate text reader: rapidocr-tuned (PP-OCR with its recogniser fine-tuned on plates"
            " for Plateward, shipped in the package), plateward (the plate reader trained from"
            " scratch for Plateward, shipped in the package), plateward+rapidocr (it and PP-OCR,"
            " fused character by character), rapidocr (PP-OCR as rapidocr ships it) or"
            " fast-plate-ocr (a local model and plate config)."
        ),
    )
    reader_second_look: float = Field(
        0.97,
        ge=0.0,
        le=1.01,
        description=(
            "rapidocr-tuned: where the best reading of a plate's line is less probable than"
            " this, read the plate twice more (the line with room at its ends, the whole crop)"
            " and average the three; 0 never does, 1.01 always does. PP-OCR as shipped was not"
            " trained on those views and reads no better with them, so rapidocr never does."
        ),
    )
    reader_fallback: Literal["none", "rapidocr"] = Field(
        "none",
        description=(
            "What to read with when the configured reader's model cannot be loaded: none"
            " (refuse to start, naming the file) or rapidocr (log the error and read with"
            " PP-OCR)."
        ),
    )
    reader_model: Path | None = Field(
        None,
        description=(
            "Local ONNX file for the fast-plate-ocr reader back-end, or a retrained model in"
            " place of the packaged one for plateward and rapidocr-tuned."
        ),
    )
    reader_config: Path | None = Field(
        None, description="Local plate config (YAML) for the fast-plate-ocr reader back-end."
    )
    plate_regions: tuple[str, ...] = Field(
        ("us", "eu", "br", "ar"),
        min_length=1,
        description=(
            "Where the plates read come from: groups (us, eu, br, ar) or single states and"
            " countries (us-ca, eu-de). Readings are weighed against these regions' plate"
            " formats, so naming only the ones a deployment sees sharpens the choice."
        ),
    )
    read_state: bool = Field(
        True,
        description=(
            "Read the other words printed on each plate (the state's name, a motto) to name"
            " the state it was issued in, and weigh its reading against that state's formats;"
            " a hot-list entry of another state then does not alert on it. Costs PP-OCR's own"
            " recogniser a line or two per plate; off, the state is guessed from the format."
        ),
    )
    alternatives: int = Field(
        5, ge=0, le=20, description="Alternative readings returned with each read."
    )
    max_image_pixels: int = Field(
        80_000_000,
        ge=10_000,
        description="Largest image (width x height) decoded; bigger ones are refused as bombs.",
    )
    max_file_bytes: int = Field(
        100_000_000, ge=1_000, description="Largest image file read from disk, in bytes."
    )
    crop_jpeg_quality: int = Field(
        90, ge=10, le=100, description="JPEG quality of the stored plate crop."
    )

    @field_validator("plate_regions")
    @classmethod
    def _known_regions(cls, regions: tuple[str, ...]) -> tuple[str, ...]:
        from plateward.recognition.formats import known_regions

        known = set(known_regions())
        unknown = [r for r in regions if r not in known]
        if unknown:
            raise ValueError(
                f"unknown plate region(s) {', '.join(unknown)}; use us, eu, br, ar or a code such"
                " as us-ca or eu-de"
            )
        return regions


class VideoSettings(Section):
    """Video files and live streams (``plateward/recognition/video.py``)."""

    motion_threshold: float = Field(
        0.004,
        ge=0.0,
        le=1.0,
        description="Share of changed pixels below which a frame is skipped as motionless.",
    )
    max_fps: float = Field(
        3.0,
        gt=0,
        le=240,
        description=(
            "Most frames per second sent to the detector; the rest are skipped (the detector"
            " takes about 0.3 s a frame on 2 CPU cores)."
        ),
    )
    track_timeout_s: float = Field(
        1.5, gt=0, description="Seconds a plate track may go unseen before its pass is closed."
    )
    reconnect_attempts: int = Field(
        3, ge=0, le=100, description="Times a dropped live stream is reopened before giving up."
    )
    reconnect_delay_s: float = Field(
        2.0, ge=0, le=300, description="Seconds to wait before each attempt to reopen a stream."
    )
    stream_timeout_s: float = Field(
        10.0,
        gt=0,
        le=600,
        description=(
            "Seconds a stream may take to open or to deliver a frame before it counts as dropped."
        ),
    )
    realtime: bool = Field(
        False,
        description=(
            "Read video files as a live camera is read: skip the frames that go by while the"
            " detector works (reads then depend on CPU speed). Live streams always do."
        ),
    )


class ServerSettings(Section):
    """The HTTP server (``plateward serve``) and the ingest API it carries."""

    host: str = Field("127.0.0.1", description="Address the server listens on.")
    port: int = Field(8000, ge=1, le=65535, description="TCP port the server listens on.")
    max_batch_reads: int = Field(
        1000, ge=1, le=100_000, description="Most reads one POST /api/v1/reads may carry."
    )
    max_request_bytes: int = Field(
        50_000_000, ge=10_000, description="Largest request body accepted, in bytes."
    )
    max_image_bytes: int = Field(
        5_000_000, ge=1_000, description="Largest plate or context image accepted, in bytes."
    )
    max_clock_skew_s: float = Field(
        300.0,
        ge=0,
        description="How far in the future a capture time may be (camera clocks drift).",
    )
    max_image_pixels: int = Field(
        40_000_000,
        ge=10_000,
        description=(
            "Largest plate or context image accepted (width x height); every image is decoded"
            " before it is stored, and bigger ones are refused unread."
        ),
    )
    trusted_proxies: tuple[str, ...] = Field(
        (),
        description=(
            "Addresses of reverse proxies whose X-Forwarded-For and X-Forwarded-Proto headers"
            " are believed (e.g. 127.0.0.1). From anyone else they are ignored, so a client"
            " cannot choose the address the access log records."
        ),
    )
    api_docs: Literal["signed_in", "public", "off"] = Field(
        "signed_in",
        description=(
            "Who may read the API description (/docs, /openapi.json): people signed in to"
            " the web pages, anyone, or no one."
        ),
    )
    search_time_limit_s: float = Field(
        30.0,
        gt=0,
        le=3600,
        description=(
            "Longest a search may run on the server before it is stopped and refused (422),"
            " so one huge search cannot slow everyone else's."
        ),
    )


class EdgeSettings(Section):
    """The edge agent beside a camera and its outbox (``plateward edge``)."""

    outbox: Path | None = Field(
        None,
        description=(
            "SQLite file holding reads until the server acknowledges them; by default"
            " edge-outbox.db in data_dir. One outbox serves one camera."
        ),
    )
    batch_reads: int = Field(
        50, ge=1, le=1000, description="Most reads posted in one batch (the oldest first)."
    )
    timeout_s: float = Field(
        30.0, gt=0, le=600, description="Seconds one batch may take to post before it is retried."
    )
    backoff_base_s: float = Field(
        1.0, gt=0, le=600, description="Wait after the first failed post; doubled after each."
    )
    backoff_cap_s: float = Field(
        300.0,
        gt=0,
        le=86_400,
        description="Longest wait between posts while the server is unreachable or failing.",
    )
    poll_s: float = Field(
        5.0,
        gt=0,
        le=3600,
        description=(
            "Seconds between looks at a watched folder for new images, and before a lost"
            " stream is reopened."
        ),
    )
    hotlist_sync_s: float = Field(
        60.0,
        gt=0,
        le=86_400,
        description=(
            "Seconds between the agent's downloads of hot list changes for its camera (it"
            " matches locally, so a car out of coverage still alerts on the last copy)."
        ),
    )
    heartbeat_s: float = Field(
        60.0,
        ge=0,
        le=3600,
        description=(
            "Seconds between the agent's heartbeats to the server (POST /api/v1/heartbeats),"
            " which show administrators it is running even when no plate passes; 0: none."
        ),
    )


class AccessSettings(Section):
    """Who may use the data and how they say why (``plateward/access``, policy A.9)."""

    offense_types: tuple[str, ...] = Field(
        (
            "Homicide",
            "Robbery",
            "Burglary",
            "Vehicle theft",
            "Assault",
            "Kidnapping",
            "Sex crime",
            "Narcotics",
            "Hit and run",
            "Fraud",
            "Wanted person",
            "Missing person",
            "AMBER Alert",
            "Blue Alert",
            "Silver Alert",
            "Yellow Alert",
        ),
        min_length=1,
        description="Offense types an inquiry may name as its purpose, beside free text.",
    )
    case_number_pattern: str = Field(
        r"^(?=(?:\D*\d){2})[A-Za-z0-9][A-Za-z0-9./-]{3,63}$",
        description=(
            "Regular expression a case number must match (whole), for agencies without their"
            " own in case_number_patterns. The default wants 4-64 letters, digits, '-', '/' or"
            " '.', at least two of them digits."
        ),
    )
    case_number_patterns: dict[str, str] = Field(
        default_factory=dict,
        description=(
            "Each agency's own case-number format, by agency code, e.g."
            " {CCSO = '^\\d{2}-\\d{6}$'}; a case number from that agency's people must match."
        ),
    )

    def case_pattern_for(self, agency: str) -> str:
        return self.case_number_patterns.get(agency, self.case_number_pattern)

    @field_validator("case_number_pattern")
    @classmethod
    def _compiles(cls, pattern: str) -> str:
        _compile(pattern)
        return pattern

    @field_validator("case_number_patterns")
    @classmethod
    def _all_compile(cls, patterns: dict[str, str]) -> dict[str, str]:
        for agency, pattern in patterns.items():
            _compile(pattern, f"agency {agency}: ")
        return patterns


def _compile(pattern: str, where: str = "") -> None:
    try:
        re.compile(pattern)
    except re.error as exc:
        raise ValueError(
            f"{where}case number pattern {pattern!r} is not a regular expression: {exc}"
        )


class AuditSettings(Section):
    """The access log's signed checkpoints and where they go (``plateward/audit``)."""

    signing_key: Path | None = Field(
        None,
        description=(
            "Ed25519 key that signs the access log's checkpoints (`plateward audit keygen`"
            " creates it). Must be outside data_dir, readable by the server's account only;"
            " without it no checkpoint is signed."
        ),
    )
    public_key: Path | None = Field(
        None,
        description=(
            "Verifier key file for `plateward audit verify`; by default the signing key's"
            " .pub file beside it. Auditors need only this one."
        ),
    )
    checkpoint_file: Path | None = Field(
        None,
        description=(
            "File the signed checkpoints are appended to, one JSON line each; by default"
            " access-log-checkpoints.jsonl beside the signing key. Must be outside data_dir."
        ),
    )
    origin: str = Field(
        "plateward/access-log",
        min_length=1,
        max_length=200,
        pattern=r"^[^\s+]+$",
        description="The log's name in its checkpoints (and the key's name): one per agency log.",
    )
    checkpoint_interval_s: float = Field(
        60.0,
        ge=1,
        le=60,
        description=(
            "Seconds between checks for new entries; a checkpoint is signed whenever the log"
            " grew since the last one, and always when the server stops."
        ),
    )
    witness_urls: tuple[str, ...] = Field(
        (),
        description=(
            "URLs each new checkpoint is POSTed to as JSON, with a consistency proof from the"
            " previous one: a second server or service, kept by someone else, that keeps them."
        ),
    )
    witness_syslog: str | None = Field(
        None,
        description=(
            "Syslog receiver each checkpoint is also sent to: HOST:PORT (UDP) or a local"
            " socket path such as /dev/log."
        ),
    )
    witness_timeout_s: float = Field(
        10.0, gt=0, le=120, description="Seconds a witness may take to accept a checkpoint."
    )

    def checkpoint_path(self) -> Path | None:
        if self.checkpoint_file is not None:
            return self.checkpoint_file
        if self.signing_key is None:
            return None
        return self.signing_key.with_name("access-log-checkpoints.jsonl")

    def public_key_path(self) -> Path | None:
        if self.public_key is not None:
            return self.public_key
        if self.signing_key is None:
            return None
        return self.signing_key.with_name(self.signing_key.name + ".pub")


class WebSettings(Section):
    """The web pages: sign-in sessions and their cookie (``plateward/web``)."""

    secure_cookies: bool = Field(
        True,
        description=(
            "Mark the session cookie Secure, so browsers send it over HTTPS only. Plain-http"
            " requests addressed to localhost, 127.0.0.1 or ::1 get it without Secure (the"
            " traffic never leaves the machine); turn off only on a network without TLS."
        ),
    )
    session_idle_minutes: int = Field(
        30, ge=1, le=1440, description="Minutes without a request after which a session ends."
    )
    session_lifetime_hours: int = Field(
        12, ge=1, le=72, description="Hours after sign-in at which a session ends, however used."
    )
    time_zone: str = Field(
        "America/Los_Angeles",
        description=(
            "The agency's time zone (an IANA name such as America/Los_Angeles): pages show"
            " times in it, with UTC on hover; exports and the access log keep UTC."
        ),
    )
    tile_url: str = Field(
        "",
        description=(
            "Map tiles for the map pages, as a URL template with {z}, {x} and {y} (e.g. an"
            " agency's own tile server). Empty: no tiles; reads, camera sites and shapes are"
            " drawn on a plain background, and coordinates can always be typed."
        ),
    )
    tile_attribution: str = Field(
        "", description="Credit the tile server asks to be shown on the map (plain text)."
    )
    page_rows: int = Field(
        50, ge=10, le=500, description="Reads shown on one page of search results."
    )

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, name: str) -> str:
        import zoneinfo

        try:
            zoneinfo.ZoneInfo(name)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"unknown time zone {name!r}; use an IANA name such as America/Los_Angeles"
            ) from None
        return name

    @field_validator("tile_url")
    @classmethod
    def _tile_template(cls, url: str) -> str:
        url = url.strip()
        if url and not (
            url.startswith(("https://", "http://", "/"))
            and all(part in url for part in ("{z}", "{x}", "{y}"))
        ):
            raise ValueError(
                f"tile_url {url!r}: an http(s) URL or a path on this server holding {{z}},"
                " {x} and {y}"
            )
        return url


class HotlistSettings(Section):
    """Hot lists and how reads are matched against them (``plateward/hotlist``, policy A.4)."""

    default_entry_days: int = Field(
        30,
        ge=1,
        le=3650,
        description=(
            "Days an entry added by hand stays active when it names no expiry (a BOLO that"
            " nobody remembers to cancel stops alerting by itself)."
        ),
    )
    max_rejected_share: float = Field(
        0.05,
        ge=0.0,
        le=1.0,
        description=(
            "Largest share of a file's lines that may be rejected before a replacing import"
            " (or a scheduled refresh) is refused and the list kept as it was."
        ),
    )
    max_lookalike_swaps: int = Field(
        1,
        ge=1,
        le=3,
        description=(
            "Look-alike characters (0/O, 8/B, 3/7, ...) a tolerant list's match may differ by;"
            " each one more multiplies the alerts on plates that merely resemble an entry."
        ),
    )
    state_confidence: float = Field(
        0.8,
        ge=0.0,
        le=1.0,
        description=(
            "A read's state must agree with an entry's only when the reader guessed it with at"
            " least this confidence (a doubtful guess never hides a hit)."
        ),
    )
    inline_refresh_rows: int = Field(
        5000,
        ge=0,
        description=(
            "Changed entries a batch applies to the server's copy of the lists itself; more"
            " are applied by a background thread, so no batch waits for a large refresh."
        ),
    )
    refresh_check_s: float = Field(
        60.0,
        gt=0,
        le=86_400,
        description="Seconds between the server's looks for lists due for a scheduled refresh.",
    )
    max_upload_bytes: int = Field(
        500_000_000,
        ge=1_000,
        description="Largest hot list file accepted through the API, in bytes.",
    )


class AlertSettings(Section):
    """Alert delivery: the live stream, webhooks and e-mail (``plateward/alert``)."""

    link_base_url: str = Field(
        "http://127.0.0.1:8000",
        description="The server's address as people reach it, for links in webhooks and e-mail.",
    )
    stream_keepalive_s: float = Field(
        15.0, gt=0, le=300, description="Seconds between keep-alive comments on an alert stream."
    )
    stream_recheck_s: float = Field(
        30.0,
        gt=0,
        le=3600,
        description=(
            "Seconds between checks that a stream's account may still receive alerts (a"
            " disabled, locked or untrained account's stream ends)."
        ),
    )
    webhook_timeout_s: float = Field(
        10.0, gt=0, le=300, description="Seconds one webhook or e-mail attempt may take."
    )
    retry_base_s: float = Field(
        5.0, gt=0, le=3600, description="Wait before retrying a failed delivery; doubled each time."
    )
    retry_cap_s: float = Field(
        600.0, gt=0, le=86_400, description="Longest wait between retries of one delivery."
    )
    give_up_hours: float = Field(
        24.0,
        gt=0,
        le=720,
        description="Hours after which an undelivered alert stops being retried (kept as gave_up).",
    )
    smtp_host: str | None = Field(
        None, description="SMTP server for e-mailed alerts; none: e-mail channels stay pending."
    )
    smtp_port: int = Field(25, ge=1, le=65535, description="SMTP server port.")
    smtp_starttls: bool = Field(False, description="Upgrade the SMTP connection with STARTTLS.")
    smtp_username: str | None = Field(None, description="SMTP user name, if the server asks.")
    smtp_password: str | None = Field(None, description="SMTP password, if the server asks.")
    smtp_from: str = Field("plateward@localhost", description="Sender address of e-mailed alerts.")


class RecordsSettings(Section):
    """Public records requests and breach incidents (``plateward/governance``, policy C, Att. 2)."""

    holidays: tuple[dt.date, ...] = Field(
        (),
        description=(
            "The agency's holidays (YYYY-MM-DD): a records request response due on one is due"
            " the next business day, as one due on a Saturday or Sunday is (Code Civ. Proc. 12a)."
        ),
    )
    max_file_bytes: int = Field(
        25_000_000,
        ge=1_000,
        le=2_000_000_000,
        description="Largest file attached to a records request or a breach incident, in bytes.",
    )


class CameraHealthSettings(Section):
    """When a camera counts as silent or slow (``plateward/governance/health``, policy D.3)."""

    check_interval_s: float = Field(
        300.0,
        ge=0,
        le=86_400,
        description=(
            "Seconds between the server's checks of every camera, which raise and clear the"
            " notices to administrators; 0: the server does not check (plateward health check)."
        ),
    )
    fixed_silence_minutes: int = Field(
        60,
        ge=1,
        le=525_600,
        description="Minutes without a read or a heartbeat after which a fixed camera is silent.",
    )
    vehicle_silence_minutes: int = Field(
        4320,
        ge=1,
        le=525_600,
        description=(
            "Minutes without a read or a heartbeat after which a vehicle's camera is silent"
            " (a patrol car is parked between shifts, so longer than a fixed camera's)."
        ),
    )
    rate_window_hours: int = Field(
        3, ge=1, le=24, description="Hours of recent reads compared with the usual rate."
    )
    usual_rate_days: int = Field(
        14,
        ge=3,
        le=90,
        description=(
            "Days of history giving a fixed camera's usual rate: the median of the reads it"
            " made in the same hours of each of those days."
        ),
    )
    low_rate_ratio: float = Field(
        0.2,
        gt=0,
        lt=1,
        description="A fixed camera reading less than this share of its usual rate is slow.",
    )
    min_usual_reads: int = Field(
        30,
        ge=1,
        le=1_000_000,
        description=(
            "Reads a fixed camera must usually make in the compared hours before a low rate is"
            " judged (a quiet road at night says nothing)."
        ),
    )


class RetentionSettings(Section):
    """How long each class of data is kept, and the destruction job (``plateward/retention``).

    A read, its images and its alerts are destroyed once past their class's period unless a
    legal hold covers them. Periods are whole days, at least one.
    """

    reads_days: int = Field(
        30, description="Days a read without a hot list hit is kept (Flock keeps 30)."
    )
    hit_reads_days: int = Field(
        365,
        description=(
            "Days a read that raised a hot list alert is kept; at least reads_days (a hit is"
            " the record of why a vehicle was stopped)."
        ),
    )
    images_days: int = Field(
        30,
        description=(
            "Days a read's plate and context images are kept; may be shorter than the read,"
            " whose text then stays without its images. Never longer than the read itself."
        ),
    )
    alerts_days: int = Field(
        730,
        description=(
            "Days an alert (with its verification, disposition and deliveries) is kept;"
            " at least hit_reads_days."
        ),
    )
    access_log_days: int = Field(
        1095,
        description=(
            "Days an access log entry is kept; entries an audit sampled stay as long as the"
            " audit does (Civil Code 1798.90.52 asks for the log, not for a period)."
        ),
    )
    audit_records_days: int = Field(
        1825, description="Days a closed audit (its sample and verdicts) is kept after closing."
    )
    run_every_hours: float = Field(
        24.0,
        ge=0,
        le=24 * 31,
        description=(
            "Hours between the server's own retention runs; 0: only runs started by hand"
            " (plateward retention run, or the retention page)."
        ),
    )
    batch_rows: int = Field(
        5000,
        ge=10,
        le=20_000,
        description=(
            "Most rows one transaction of a run destroys, so a busy server keeps ingesting"
            " between them."
        ),
    )
    batch_pause_s: float = Field(
        0.05,
        ge=0,
        le=60,
        description=(
            "Least seconds a run rests between two transactions; it rests at least as long as"
            " the last transaction took, so ingest keeps half the time. 0: no rest at all."
        ),
    )

    @field_validator(
        "reads_days", "hit_reads_days", "images_days", "alerts_days", "access_log_days",
        "audit_records_days",
    )  # fmt: skip
    @classmethod
    def _positive_period(cls, days: int) -> int:
        if days < 1:
            raise ValueError(f"a retention period must be at least 1 day, not {days}")
        if days > 36_500:
            raise ValueError(f"a retention period of {days} days is over 100 years")
        return days

    @model_validator(mode="after")
    def _ordered_periods(self) -> RetentionSettings:
        if self.hit_reads_days < self.reads_days:
            raise ValueError(
                f"hit_reads_days ({self.hit_reads_days}) is shorter than reads_days"
                f" ({self.reads_days}): a read with a hit would go before one without"
            )
        if self.alerts_days < self.hit_reads_days:
            raise ValueError(
                f"alerts_days ({self.alerts_days}) is shorter than hit_reads_days"
                f" ({self.hit_reads_days}): the alert is what makes the read one with a hit"
            )
        return self


class SharingSettings(Section):
    """Which agencies may receive this server's reads (``plateward/sharing``; Civil Code
    1798.90.55(b), the Attorney General's bulletin 2023-DLE-06, policy G.3 and G.4)."""

    home_state: str = Field(
        "CA",
        pattern=r"^[A-Z]{2}$",
        description="The state this deployment serves (two letters); its agencies are in-state.",
    )
    share_out_of_state: bool = Field(
        False,
        description=(
            "Allow agreements with agencies of other states. California law (1798.90.55(b),"
            " as bulletin 2023-DLE-06 reads it) forbids it; only for deployments elsewhere."
        ),
    )
    share_with_federal: bool = Field(
        False,
        description=(
            "Allow agreements with federal agencies; forbidden in California"
            " (bulletin 2023-DLE-06)."
        ),
    )
    share_with_private: bool = Field(
        False,
        description=(
            "Allow agreements with private entities; 1798.90.55(b) allows public agencies only."
        ),
    )
    max_agreement_days: int = Field(
        365,
        ge=1,
        le=3650,
        description="Longest an agreement may run before it must be requested again.",
    )


class UsagePolicySettings(Section):
    """The published usage and privacy policy (``/transparency``; Civil Code 1798.90.51,
    1798.90.53). Everything else on that page comes from the system itself."""

    agency_name: str = Field(
        "",
        max_length=200,
        description="The agency that publishes the policy; empty: the registered agencies' names.",
    )
    custodian: str = Field(
        "The ALPR System Administrator",
        max_length=200,
        description="Who is the custodian of the ALPR system and its data (1798.90.51(b)(6)).",
    )
    custodian_contact: str = Field(
        "", max_length=300, description="How the public reaches the custodian (address, e-mail)."
    )
    authorized_purposes: tuple[str, ...] = Field(
        (
            "Identifying stolen or wanted vehicles",
            "Identifying wanted felons during patrol or investigations",
            "Be-on-the-lookout notices (BOLF/BOLO)",
            "AMBER, Blue, Silver, Yellow and Feather Alerts",
            "Surveillance and investigation of crimes",
            "Grid searches of the area around a crime scene",
            "Checking partial plates reported in major crimes",
        ),
        min_length=1,
        description="The authorized purposes of use (policy A.4, 1798.90.51(b)(1)).",
    )
    prohibited_uses: tuple[str, ...] = Field(
        (
            "Any personal use of ALPR equipment or data (policy A.1)",
            "Federal immigration enforcement (policy G.3, Government Code 7284.6)",
            "Enforcement action on an alert alone, before the plate and CLETS checks (A.7)",
        ),
        description="Uses that are forbidden, shown beside the authorized ones.",
    )
    job_titles: dict[str, tuple[str, ...]] = Field(
        {
            "user": ("Deputy sheriff", "Sheriff's technician"),
            "investigator": ("Detective", "Crime analyst", "Crime technician"),
            "administrator": ("ALPR System Administrator (Administrative Lieutenant)",),
            "auditor": ("Audit staff",),
            "internal_affairs": ("Internal Affairs investigator",),
        },
        description=(
            "The job titles that hold each role (1798.90.51(b)(2)); roles are user,"
            " investigator, administrator, auditor and internal_affairs."
        ),
    )

    @field_validator("job_titles")
    @classmethod
    def _known_roles(cls, titles: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
        known = {"user", "investigator", "administrator", "auditor", "internal_affairs"}
        unknown = sorted(set(titles) - known)
        if unknown:
            raise ValueError(f"unknown role(s) {', '.join(unknown)}; roles are {sorted(known)}")
        return titles


class Settings(BaseSettings):
    """The root: one nested section per part of the system."""

    model_config = SettingsConfigDict(
        env_prefix="PLATEWARD_",
        env_nested_delimiter="__",
        extra="forbid",
        frozen=True,
    )

    data_dir: Path = Field(
        Path("var"), description="Folder for the database, images and other state."
    )
    db: str | None = Field(
        None,
        description=(
            "Database URL (sqlite:///PATH or postgresql://USER:PASSWORD@HOST/NAME); by default"
            " a SQLite file in data_dir. The environment variable is PLATEWARD_DB. PostgreSQL"
            " sessions run with JIT off and in UTC; ?options=-c%20jit%3Don in the URL turns JIT"
            " back on."
        ),
    )
    recognition: RecognitionSettings = Field(default_factory=lambda: RecognitionSettings())
    video: VideoSettings = Field(default_factory=lambda: VideoSettings())
    server: ServerSettings = Field(default_factory=lambda: ServerSettings())
    access: AccessSettings = Field(default_factory=lambda: AccessSettings())
    web: WebSettings = Field(default_factory=lambda: WebSettings())
    edge: EdgeSettings = Field(default_factory=lambda: EdgeSettings())
    hotlist: HotlistSettings = Field(default_factory=lambda: HotlistSettings())
    alerts: AlertSettings = Field(default_factory=lambda: AlertSettings())
    records: RecordsSettings = Field(default_factory=lambda: RecordsSettings())
    camera_health: CameraHealthSettings = Field(default_factory=lambda: CameraHealthSettings())
    audit: AuditSettings = Field(default_factory=lambda: AuditSettings())

    @model_validator(mode="after")
    def _keys_outside_data(self) -> Settings:
        """The key and the checkpoints must survive whoever can change the data directory."""
        data = self.data_dir.resolve()
        for name, path in (
            ("audit.signing_key", self.audit.signing_key),
            ("audit.checkpoint_file", self.audit.checkpoint_path()),
        ):
            if path is not None and path.resolve().is_relative_to(data):
                raise ValueError(f"{name} {path} is inside data_dir {self.data_dir}: keep it apart")
        return self

    retention: RetentionSettings = Field(default_factory=lambda: RetentionSettings())
    sharing: SharingSettings = Field(default_factory=lambda: SharingSettings())
    usage_policy: UsagePolicySettings = Field(default_factory=lambda: UsagePolicySettings())

    def database_url(self) -> str:
        from plateward.store.database import default_url

        return self.db or default_url(self.data_dir)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        if settings_cls.model_config.get("toml_file"):
            sources.append(TomlConfigSettingsSource(settings_cls))
        return tuple(sources)


def find_config_file(explicit: Path | None = None) -> Path | None:
    """The configuration file to read, or None; an explicit file that is missing is an error."""
    chosen = explicit or (Path(os.environ[CONFIG_ENV]) if os.environ.get(CONFIG_ENV) else None)
    if chosen is not None:
        if not chosen.is_file():
            raise ConfigurationError(f"{chosen}: configuration file not found")
        return chosen
    return DEFAULT_CONFIG_FILE if DEFAULT_CONFIG_FILE.is_file() else None


def load_settings(config_file: Path | None = None, **overrides: Any) -> Settings:
    """Read the settings once, from all sources, and fail with one clear line if they are bad."""
    path = find_config_file(config_file)
    settings_cls: type[Settings] = Settings
    if path is not None:
        # A subclass that knows its file, so the model itself stays free of global state.
        config = SettingsConfigDict(**{**Settings.model_config, "toml_file": path})
        settings_cls = type("Settings", (Settings,), {"model_config": config})
    try:
        return settings_cls(**overrides)
    except ValidationError as exc:
        where = path or "environment"
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()
        )
        raise ConfigurationError(f"{where}: invalid settings: {problems}") from None
