"""The HTTP application: the API every client uses and the pages people work in (docs/web.md)."""
