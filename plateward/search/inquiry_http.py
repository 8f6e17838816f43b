"""What every HTTP inquiry carries: the purpose fields, turned into an ``Inquiry`` or a 400."""

from __future__ import annotations

from typing import Any

from fastapi import HTTPException, Request
from pydantic import BaseModel, Field

from plateward.access.users import User
from plateward.errors import InvalidInput
from plateward.search.inquiry import Inquiry
from plateward.search.purpose import justify
from plateward.web.state import app_state


class Why(BaseModel):
    case_number: str | None = Field(None, description="Case or report number.")
    reason: str | None = Field(None, description="Specific reason for this inquiry.")
    offense: str | None = Field(None, description="Offense type, from access.offense_types.")


def inquiry_from(
    request: Request, user: User, action: str, query: dict[str, Any], why: Why
) -> Inquiry:
    """The inquiry, or 400 saying what is missing before any data is touched (policy A.9)."""
    access = app_state(request).settings.access
    try:
        justification = justify(why.case_number, why.reason, why.offense, access.offense_types,
                                access.case_pattern_for(user.agency))  # fmt: skip
    except InvalidInput as exc:
        raise HTTPException(400, exc.message) from None
    return Inquiry(
        user=user,
        action=action,
        query=query,
        justification=justification,
        client_address=request.client.host if request.client else None,
    )
