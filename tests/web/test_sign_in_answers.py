"""Sign-in answers never tell which usernames exist: locked, unknown and wrong look the same."""

from __future__ import annotations

import re
from collections.abc import Callable

import httpx

SignIn = Callable[[str, str], tuple[httpx.Client, httpx.Response]]
FORM_TOKEN = re.compile(r'name="csrf_token" value="[^"]+"')


def page(response: httpx.Response, username: str) -> str:
    """The page as a person sees it: their name and the form's one-time token set aside."""
    return FORM_TOKEN.sub("TOKEN", response.text.replace(username, "NAME"))


def test_unknown_locked_and_wrong_answer_alike(
    people: dict[str, str], http_sign_in: SignIn
) -> None:
    answers = []
    for username in (people["deputy"], "no-such-person"):
        for _ in range(7):  # past the lockout of the real account
            _, response = http_sign_in(username, "not the password at all")
            answers.append((response.status_code, page(response, username)))
    _, locked_right = http_sign_in(people["deputy"], people["password"])
    answers.append((locked_right.status_code, page(locked_right, people["deputy"])))
    assert {status for status, _ in answers} == {401}
    assert len({text for _, text in answers}) == 1
