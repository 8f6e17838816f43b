"""Steps in the browser that lead to another page, each waiting until that page has loaded.

Playwright's click returns once the navigation has committed, before the new page is parsed;
``inner_text`` and ``fill`` wait for their element, but ``count()`` and ``all_inner_texts()``
read the page as it is at that moment, and saw an empty nav on a loaded CI machine.
"""

from typing import Any


def submit_sign_in(page: Any, server: str, username: str, password: str) -> None:
    """Post the sign-in form; the page is then whatever the server answered, fully loaded."""
    page.goto(f"{server}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    with page.expect_navigation(wait_until="load"):
        page.click("button[type=submit]")


def sign_in(page: Any, server: str, username: str, password: str, *, lands: str = "/") -> None:
    """Sign in, or fail saying where the form led instead (an expired form is a 403 page)."""
    submit_sign_in(page, server, username, password)
    if page.url != f"{server}{lands}":
        raise AssertionError(f"{username} not signed in at {page.url}: {page.inner_text('main')}")


def follow(page: Any, selector: str) -> None:
    """Click a link or a form's button and wait until the page it leads to has loaded."""
    with page.expect_navigation(wait_until="load"):
        page.click(selector)
