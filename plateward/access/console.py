"""Who runs a console command: a named account, checked exactly as the API checks it.

Having the database on disk is not a licence to use its data (policy A.8, F): a command that
reads or changes ALPR data or hot lists acts as the account whose API token it is given
(``--token`` or ``PLATEWARD_TOKEN``), refused for the same role and training reasons as the
API would refuse it, and logged under that account.
"""

from __future__ import annotations

from sqlalchemy import Engine

from plateward.access.roles import Action, allowed
from plateward.access.training import today_utc, training_refusal
from plateward.access.users import User, user_for_token
from plateward.errors import InvalidInput


class Refused(InvalidInput):
    status = 403


def acting_user(engine: Engine, token: str | None, action: Action) -> User:
    if not token:
        raise InvalidInput(
            "this command acts as a named account: give --token or set PLATEWARD_TOKEN"
            " (an administrator issues one with plateward token add USERNAME)"
        )
    with engine.connect() as connection:
        user = user_for_token(connection, token.strip())
        if user is None:
            raise Refused("API token not recognised or revoked")
        if not allowed(user.role, action):
            raise Refused(f"{user.username}: role {user.role.value} may not {action.value}")
        refusal = training_refusal(connection, user, action, today_utc())
    if refusal:
        raise Refused(f"{user.username}: {refusal}")
    return user
