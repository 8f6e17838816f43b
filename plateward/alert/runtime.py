"""What a server process runs for hot lists and alerts, started and stopped with the server.

- ``lists``: the in-memory copy of the hot lists every batch is matched against;
- ``hub`` and ``follower``: alerts raised anywhere, published to this process's live streams;
- ``deliveries``: the webhook and e-mail outbox worker;
- ``schedule``: scheduled re-imports of lists from their file locations.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from plateward.alert.delivery import DeliveryWorker
from plateward.alert.follower import AlertFollower
from plateward.alert.hub import AlertHub
from plateward.alert.raising import Raised
from plateward.hotlist.current import CurrentLists
from plateward.hotlist.refresh import RefreshSchedule
from plateward.settings import Settings


@dataclass
class AlertRuntime:
    lists: CurrentLists
    hub: AlertHub
    follower: AlertFollower
    deliveries: DeliveryWorker
    schedule: RefreshSchedule
    started: bool = False

    @classmethod
    def for_server(cls, db: Engine, settings: Settings) -> AlertRuntime:
        lists = CurrentLists(db, settings.hotlist)
        hub = AlertHub()
        return cls(
            lists=lists,
            hub=hub,
            follower=AlertFollower(db, hub, settings.alerts.link_base_url),
            deliveries=DeliveryWorker(db, settings.alerts),
            schedule=RefreshSchedule(db, settings.hotlist),
        )

    def start(self) -> None:
        if not self.lists.loaded:
            self.lists.load()
        self.follower.start()
        self.deliveries.start()
        self.schedule.start()
        self.started = True

    def stop(self) -> None:
        if not self.started:
            return
        self.schedule.stop()
        self.hub.close()
        self.follower.stop()
        self.deliveries.stop()
        self.started = False

    def raised(self, raised: Raised) -> None:
        """Alerts were committed by this process: publish them, and send their deliveries,
        without waiting. The delivery worker is woken only when a delivery was queued: with
        no channel on, each wake was a transaction looking for none, on every batch with an
        alert."""
        if raised.ids:
            self.follower.wake()
        if raised.deliveries:
            self.deliveries.wake()
