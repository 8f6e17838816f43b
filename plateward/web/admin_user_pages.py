"""Administering people: add an account, disable or enable it, reset its password, change its
role or agency, give it a second factor, and issue or revoke its API tokens (``manage_users``).

Each change is made and logged in one transaction, as the CLI's ``plateward user`` commands
are, under the administrator's own name. Secrets (a new API token, a second factor's secret)
appear once, in the answer to the POST that made them, and are never stored or shown again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import RedirectResponse
from sqlalchemy import Connection

from plateward.access.account_log import log_account_change
from plateward.access.accounts import (
    account,
    change_agency,
    change_role,
    list_accounts,
    reset_password,
    revoke_token,
    set_disabled,
    tokens_of,
)
from plateward.access.roles import Action, Role
from plateward.access.sessions import Session
from plateward.access.totp import disable_totp, enable_totp, provisioning_uri
from plateward.access.users import add_user, issue_token, user_by_name
from plateward.agency.registry import agency_id_of
from plateward.audit.actor import Actor, actor_for
from plateward.errors import PlatewardError
from plateward.web.guards import Refused, check_csrf, submitted_csrf
from plateward.web.inquiry_pages import client_of
from plateward.web.page_access import page_for
from plateward.web.state import app_state
from plateward.web.templating import render

router = APIRouter(include_in_schema=False)

Administrator = Annotated[Session, Depends(page_for(Action.MANAGE_USERS))]


@router.get("/admin/users")
def users_page(request: Request, session: Administrator) -> Response:
    return _list(request, session, form={}, error=None)


@router.post("/admin/users")
async def users_add(request: Request, session: Administrator) -> Response:
    form = await _form(request, session)
    try:
        with app_state(request).db.begin() as connection:
            agency_id = agency_id_of(connection, form.get("agency", "").strip())
            user = add_user(
                connection, username=form.get("username", ""),
                full_name=form.get("full_name", "").strip(), role=form.get("role", ""),
                agency_id=agency_id, password=form.get("password", ""),
            )  # fmt: skip
            log_account_change(connection, _actor(request, session), "user.add", {
                "username": user.username, "full_name": user.full_name,
                "role": user.role.value, "agency": user.agency,
            })  # fmt: skip
    except PlatewardError as exc:
        form.pop("password", None)
        return _list(request, session, form=form, error=exc.message, status=400)
    return RedirectResponse(f"/admin/users/{user.username}?done=added", status_code=303)


@router.get("/admin/users/{username}")
def user_page(request: Request, session: Administrator, username: str, done: str = "") -> Response:
    notices = {"added": "Account added.", "changed": "Saved.", "revoked": "Token revoked."}
    return _detail(request, session, username, notice=notices.get(done))


@router.post("/admin/users/{username}/{change}")
async def user_change(
    request: Request, session: Administrator, username: str, change: str
) -> Response:
    form = await _form(request, session)
    actor = _actor(request, session)
    secret: dict[str, str] = {}

    def totp(connection: Connection) -> None:
        value = enable_totp(connection, user_by_name(connection, username).id)
        log_account_change(connection, actor, "user.totp.enable", _whose(connection, username))
        secret.update(kind="second factor", value=value, uri=provisioning_uri(value, username))

    def totp_remove(connection: Connection) -> None:
        had = disable_totp(connection, user_by_name(connection, username).id)
        log_account_change(connection, actor, "user.totp.remove", _whose(connection, username),
                           changed=int(had))  # fmt: skip

    def token(connection: Connection) -> None:
        name = form.get("name", "").strip() or "api"
        value = issue_token(connection, user_by_name(connection, username).id, name[:100])
        log_account_change(connection, actor, "user.token.add",
                           {**_whose(connection, username), "token_name": name[:100]})  # fmt: skip
        secret.update(kind="API token", value=value)

    changes: dict[str, Callable[[Connection], Any]] = {
        "role": lambda c: change_role(c, username, form.get("role", ""), actor),
        "agency": lambda c: change_agency(c, username, form.get("agency", ""), actor),
        "password": lambda c: reset_password(c, username, form.get("password", ""), actor),
        "disable": lambda c: set_disabled(c, username, True, actor),
        "enable": lambda c: set_disabled(c, username, False, actor),
        "totp": totp,
        "totp-remove": totp_remove,
        "token": token,
        "token-revoke": lambda c: revoke_token(c, username, _int(form.get("token", "")), actor),
    }
    if change not in changes:
        raise Refused(404, f"{change}: not something that can be changed here")
    try:
        with app_state(request).db.begin() as connection:
            changes[change](connection)
    except PlatewardError as exc:
        return _detail(request, session, username, error=exc.message, status=400)
    if secret:
        return _detail(request, session, username, secret=secret)
    done = "revoked" if change == "token-revoke" else "changed"
    return RedirectResponse(f"/admin/users/{username}?done={done}", status_code=303)


def _list(
    request: Request, session: Session, *, form: dict[str, str], error: str | None,
    status: int = 200,
) -> Response:  # fmt: skip
    with app_state(request).db.connect() as connection:
        accounts = list_accounts(connection)
    return render(request, "admin_users.html", status_code=status, signed_in=session,
                  accounts=accounts, roles=list(Role), form=form, error=error)  # fmt: skip


def _detail(
    request: Request, session: Session, username: str, *, notice: str | None = None,
    error: str | None = None, secret: dict[str, str] | None = None, status: int = 200,
) -> Response:  # fmt: skip
    with app_state(request).db.connect() as connection:
        try:
            found = account(connection, username)
        except PlatewardError as exc:
            raise Refused(404, exc.message) from None
        tokens = tokens_of(connection, username)
    return render(
        request, "admin_user.html", status_code=status, signed_in=session, account=found,
        tokens=tokens, roles=list(Role), notice=notice, error=error, secret=secret,
    )  # fmt: skip


async def _form(request: Request, session: Session) -> dict[str, str]:
    check_csrf(session.csrf_token, await submitted_csrf(request))
    form = await request.form()
    return {k: v for k, v in form.items() if isinstance(v, str) and len(v) <= 2000}


def _actor(request: Request, session: Session) -> Actor:
    return actor_for(session.user, client_of(request))


def _whose(connection: Connection, username: str) -> dict[str, str]:
    user = user_by_name(connection, username)
    return {"username": user.username, "agency": user.agency}


def _int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        return 0
