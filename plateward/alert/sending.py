"""Sending one alert to one channel: a signed webhook POST, or an e-mail through SMTP.

A webhook body is the alert's JSON. It is signed so the receiver can tell it came from this
server and was not replayed: ``X-Plateward-Signature: sha256=HEX`` is the HMAC-SHA256, keyed
with the channel's secret, of ``TIMESTAMP.BODY``, where TIMESTAMP is the
``X-Plateward-Timestamp`` header (Unix seconds). A receiver recomputes it and refuses a
timestamp more than a few minutes old. Only a 2xx answer counts as delivered.

An e-mail says the same in words, and says first what policy A.7 says: a hit is not grounds
for a stop until the plate is checked against the vehicle and the hit confirmed through CLETS.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import smtplib
import time
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

import httpx

from plateward.settings import AlertSettings

SIGNATURE_HEADER = "X-Plateward-Signature"
TIMESTAMP_HEADER = "X-Plateward-Timestamp"


@dataclass(frozen=True)
class Outcome:
    ok: bool
    status_code: int | None = None
    error: str | None = None


def signature(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


def send_webhook(
    url: str, secret: str | None, alert: dict[str, Any], delivery_id: int, timeout_s: float
) -> Outcome:
    body = json.dumps(alert, separators=(",", ":"), sort_keys=True).encode()
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Plateward alerts",
        TIMESTAMP_HEADER: timestamp,
        "X-Plateward-Delivery": str(delivery_id),
    }
    if secret:
        headers[SIGNATURE_HEADER] = signature(secret, timestamp, body)
    try:
        response = httpx.post(url, content=body, headers=headers, timeout=timeout_s)
    except httpx.TimeoutException:
        return Outcome(False, None, f"no answer within {timeout_s:g} s")
    except httpx.HTTPError as exc:
        return Outcome(False, None, f"{type(exc).__name__}: {exc}"[:500])
    if 200 <= response.status_code < 300:
        return Outcome(True, response.status_code)
    return Outcome(
        False, response.status_code, f"HTTP {response.status_code}: {response.text[:200]}"
    )


def send_email(to: str, alert: dict[str, Any], settings: AlertSettings) -> Outcome:
    if not settings.smtp_host:
        return Outcome(False, None, "no SMTP server configured (alerts.smtp_host)")
    message = EmailMessage()
    message["From"] = settings.smtp_from
    message["To"] = to
    message["Subject"] = (
        f"Hot list alert: {alert['plate']} - {alert['reason_label']} ({alert['list']})"
        f" at {alert['camera']}"
    )
    message.set_content(email_text(alert))
    try:
        with smtplib.SMTP(
            settings.smtp_host, settings.smtp_port, timeout=settings.webhook_timeout_s
        ) as smtp:
            if settings.smtp_starttls:
                smtp.starttls()
            if settings.smtp_username:
                smtp.login(settings.smtp_username, settings.smtp_password or "")
            refused = smtp.send_message(message)
    except smtplib.SMTPResponseException as exc:
        return Outcome(False, exc.smtp_code, f"SMTP {exc.smtp_code}: {exc.smtp_error!r}"[:500])
    except (smtplib.SMTPException, OSError) as exc:
        return Outcome(False, None, f"{type(exc).__name__}: {exc}"[:500])
    if refused:
        return Outcome(False, None, f"recipient refused: {refused}"[:500])
    return Outcome(True, 250)


def email_text(alert: dict[str, Any]) -> str:
    entry = alert["entry"]
    vehicle = " ".join(
        str(entry.get(k) or "")
        for k in ("vehicle_year", "vehicle_color", "vehicle_make", "vehicle_model")
    ).strip()
    lines = [
        "NOT GROUNDS FOR ENFORCEMENT until verified (policy A.7):",
        "  1. confirm the plate on the vehicle matches the read, and",
        "  2. confirm the hit through CLETS.",
        "",
        f"Plate read:   {alert['plate']} ({alert['match_kind']} match on {alert['matched_text']})",
        f"Hot list:     {alert['list']} - {alert['reason_label']}, priority {alert['priority']}",
        f"Entry:        {entry.get('plate')} {entry.get('state') or ''}".rstrip(),
        f"Case (OCA):   {entry.get('case_number') or '-'}   ORI: {entry.get('ori') or '-'}",
        f"Vehicle:      {vehicle or '-'}",
        f"Camera:       {alert['camera']} at {alert['latitude']:.5f}, {alert['longitude']:.5f}",
        f"Seen at:      {alert['captured_at']}",
        "",
        f"Open the alert: {alert['url']}",
    ]
    return "\n".join(lines) + "\n"
