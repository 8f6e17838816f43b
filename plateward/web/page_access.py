"""The one dependency a page declares to say what it needs: ``Depends(page_for(Action.X))``.

It signs the person in (or sends them to sign in), then applies the API's checks in the API's
words: the role from the permission table, and for data actions current training (policy F).
The action rides on the dependency, as ``access.api.require`` does for the API, so the role x
page test reads each page's action from the application instead of from a list kept by hand.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request

from plateward.access.roles import Action
from plateward.access.sessions import Session
from plateward.web.guards import refuse_unless_allowed, signed_in


def page_for(action: Action | None) -> Callable[..., Session]:
    """A dependency giving the complete session of someone allowed ``action`` (None: anyone)."""

    def check(request: Request, session: Annotated[Session, Depends(signed_in)]) -> Session:
        if action is not None:
            refuse_unless_allowed(request, session, action)
        return session

    check.action = action  # type: ignore[attr-defined]  # read by the role x page test
    return check
