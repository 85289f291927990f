"""What each kind of address can carry, in one place.

A notice is rendered once per language as a whole message (body, subject, HTML part, small
attachment); what a channel cannot carry is left out when the outbox row is built, here and
nowhere else. A new channel (SMS, WhatsApp) adds its form here, its address kind to
`storage.models.Channel`, and its sender to `scheduler.senders.registry`.
"""

from __future__ import annotations

from dataclasses import dataclass

from storage.models import Channel, ChannelPreference


@dataclass(frozen=True)
class ChannelForm:
    name: str
    subject: bool  # carries a subject line
    html: bool  # carries an HTML alternative
    attachment: bool  # carries a small file (an .ics)


FORMS: dict[str, ChannelForm] = {
    Channel.TELEGRAM.value: ChannelForm(Channel.TELEGRAM.value, subject=False, html=False, attachment=False),
    Channel.EMAIL.value: ChannelForm(Channel.EMAIL.value, subject=True, html=True, attachment=True),
}

# The order a notice tries channels in when one address is enough (each person may set their own).
DEFAULT_ORDER: tuple[str, ...] = (Channel.TELEGRAM.value, Channel.EMAIL.value)
# Every channel, for staff choices such as a broadcast's "both".
ALL: tuple[str, ...] = tuple(FORMS)
# What staff choose in a broadcast, in the chat and the CLI alike: one channel, or all of them.
CHOICES: dict[str, tuple[str, ...]] = {**{channel: (channel,) for channel in ALL}, "both": ALL}


def preferred(choice: str | None) -> tuple[tuple[str, ...], bool]:
    """(channel order, reach every usable address) for a person's choice in their profile (R2).

    "Telegram first" is the default order; "email first" puts email before the chat; "both"
    keeps the default order and makes a notice that needs one address go to each usable one
    (a notice restricted to some channels, like a case reply, stays restricted).
    """
    if choice == ChannelPreference.EMAIL_FIRST.value:
        return (Channel.EMAIL.value, *[c for c in DEFAULT_ORDER if c != Channel.EMAIL.value]), False
    if choice == ChannelPreference.BOTH.value:
        return DEFAULT_ORDER, True
    return DEFAULT_ORDER, False


def form(channel: str) -> ChannelForm:
    try:
        return FORMS[channel]
    except KeyError:
        raise ValueError(f"no channel named {channel!r}; one of {', '.join(FORMS)}") from None
