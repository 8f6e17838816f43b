"""Documented means tested: the generated pages match the code, and every setting has a description."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import BaseModel

from plateward.reference import PAGES, render
from plateward.settings import Settings

DOCS = Path(__file__).resolve().parents[1] / "docs"


@pytest.mark.parametrize("page", PAGES)
def test_generated_page_is_current(page: str) -> None:
    committed = (DOCS / page).read_text(encoding="utf-8")
    assert committed == render(page), f"docs/{page} is stale: run scripts/docs"


def _fields(model: type[BaseModel], prefix: str = "") -> list[tuple[str, object]]:
    out: list[tuple[str, object]] = []
    for name, field in model.model_fields.items():
        if isinstance(field.annotation, type) and issubclass(field.annotation, BaseModel):
            out += _fields(field.annotation, f"{prefix}{name}.")
        else:
            out.append((f"{prefix}{name}", field.description))
    return out


@pytest.mark.parametrize(("key", "description"), _fields(Settings))
def test_every_setting_is_described(key: str, description: object) -> None:
    assert isinstance(description, str) and len(description) > 10, f"{key} has no description"
