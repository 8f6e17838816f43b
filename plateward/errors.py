"""The errors Plateward raises on purpose.

Every deliberate failure is a ``PlatewardError`` so that the CLI and (later) the HTTP layer can
render one message shape without knowing the domain::

    PlatewardError                 status 500, the base: catch this one
     ├── InvalidInput              400, the caller's data is wrong (a corrupt image, a bad CSV)
     │    └── UnreadableSource     400, an image, video or stream that cannot be opened or decoded
     ├── NotFound                  404, a named thing does not exist
     ├── Conflict                  409, the thing is not in a state that allows this step
     └── ConfigurationError        500, a setting or model file that cannot work

Messages are one line that names the input and says what was wrong, e.g.
"car.png: image is 30000x30000 (900.0 MP), over the 80 MP limit".
"""

from __future__ import annotations


class PlatewardError(Exception):
    """Base of every error Plateward raises deliberately."""

    status: int = 500

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidInput(PlatewardError):
    status = 400


class UnreadableSource(InvalidInput):
    """An image, video or stream that cannot be opened or decoded; names the source."""

    def __init__(self, source: str, reason: str) -> None:
        super().__init__(f"{source}: {reason}")
        self.source = source
        self.reason = reason


class NotFound(PlatewardError):
    status = 404


class Conflict(PlatewardError):
    """A step out of order or a duplicate: the request was understood, the state forbids it."""

    status = 409


class ConfigurationError(PlatewardError):
    status = 500
