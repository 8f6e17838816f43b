"""The home page: who is signed in, with which role and agency, and where they may go next."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from plateward.access.sessions import Session
from plateward.web.guards import signed_in
from plateward.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/")
def home(request: Request, session: Annotated[Session, Depends(signed_in)]) -> Response:
    return render(request, "home.html", signed_in=session)
