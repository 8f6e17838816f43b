"""Who is calling the API: a person's token, checked against the permission table.

Every route that touches ALPR data depends on ``require(action)``: no token is 401, a role
without the action is 403 naming the action, so a route cannot forget to check. A data action
also needs current training certificates (policy F): without them, 403 naming the courses.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Header, HTTPException, Request

from plateward.access.roles import Action, allowed
from plateward.access.training import today_utc, training_refusal
from plateward.access.users import User, user_for_token
from plateward.web.state import app_state


def current_user(request: Request, authorization: Annotated[str | None, Header()] = None) -> User:
    if not authorization or not authorization.startswith("Bearer "):
        raise HTTPException(401, "sign in: send 'Authorization: Bearer <your API token>'")
    with app_state(request).db.connect() as connection:
        user = user_for_token(connection, authorization.removeprefix("Bearer ").strip())
    if user is None:
        raise HTTPException(401, "API token not recognised or revoked")
    return user


def require(action: Action) -> Callable[..., User]:
    def check(request: Request, user: Annotated[User, Depends(current_user)]) -> User:
        return allowed_user(request, user, action)

    check.action = action  # type: ignore[attr-defined]  # read by the authorization test
    return check


def allowed_user(request: Request, user: User, action: Action) -> User:
    """``user``, if their role may do ``action`` and their training is current (policy F)."""
    if not allowed(user.role, action):
        raise HTTPException(403, f"role {user.role.value} may not {action.value}")
    with app_state(request).db.connect() as connection:
        refusal = training_refusal(connection, user, action, today_utc())
    if refusal:
        raise HTTPException(403, refusal)
    return user


def signed_in_user(request: Request, authorization: str | None) -> User:
    """The caller by API token, or else by the browser's session (for pages' scripts)."""
    if authorization:
        return current_user(request, authorization)
    from plateward.web.guards import current_session

    session = current_session(request)
    if session is None or not session.second_factor_passed:
        raise HTTPException(401, "sign in: send 'Authorization: Bearer <your API token>'")
    return session.user


def require_person(action: Action) -> Callable[..., User]:
    """``require``, also accepting a signed-in browser session: for the routes a page's own
    script calls (an EventSource cannot send an Authorization header)."""

    def check(request: Request, authorization: Annotated[str | None, Header()] = None) -> User:
        return allowed_user(request, signed_in_user(request, authorization), action)

    check.action = action  # type: ignore[attr-defined]  # read by the authorization test
    return check
