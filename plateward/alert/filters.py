"""Which alerts someone wants: by list, reason, camera and area.

One filter shape serves a person's subscription (what their live stream and console show)
and a channel's (what a webhook or mailbox receives). An empty filter takes every alert the
person or channel may see; each field given narrows it.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from plateward.hotlist.reasons import Reason
from plateward.search.geo import distance_m


class AlertArea(BaseModel):
    model_config = ConfigDict(extra="forbid")

    latitude: float = Field(ge=-90, le=90)
    longitude: float = Field(ge=-180, le=180)
    radius_m: float = Field(gt=0, le=500_000)

    def holds(self, latitude: float, longitude: float) -> bool:
        return distance_m(self.latitude, self.longitude, latitude, longitude) <= self.radius_m


class AlertFilter(BaseModel):
    model_config = ConfigDict(extra="forbid")

    lists: list[str] = Field(default_factory=list, max_length=100, description="List names.")
    reasons: list[Reason] = Field(default_factory=list, description="Reason codes.")
    cameras: list[str] = Field(default_factory=list, max_length=500, description="Camera codes.")
    area: AlertArea | None = Field(None, description="Only reads within this circle.")

    def accepts(self, alert: dict[str, Any]) -> bool:
        """``alert`` is an alert's public JSON (``views.alert_json``)."""
        if self.lists and alert["list"] not in self.lists:
            return False
        if self.reasons and alert["reason"] not in self.reasons:
            return False
        if self.cameras and alert["camera"] not in self.cameras:
            return False
        return self.area is None or self.area.holds(alert["latitude"], alert["longitude"])
