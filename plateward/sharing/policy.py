"""The sharing rules' allowances, from the settings (``sharing.*``)."""

from __future__ import annotations

from plateward.settings import Settings
from plateward.sharing.rules import SharingPolicy


def sharing_policy(settings: Settings) -> SharingPolicy:
    section = settings.sharing
    return SharingPolicy(
        home_state=section.home_state,
        share_out_of_state=section.share_out_of_state,
        share_with_federal=section.share_with_federal,
        share_with_private=section.share_with_private,
        max_agreement_days=section.max_agreement_days,
    )
