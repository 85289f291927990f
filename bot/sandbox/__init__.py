"""A local fake Telegram Bot API server, a driver that plays people in it, and a terminal chat.

The real python-telegram-bot stack talks to it over HTTP, in tests, the local demo and benchmarks.
"""

from bot.sandbox.clock import Clock, ManualClock, system_clock
from bot.sandbox.driver import SandboxPerson
from bot.sandbox.errors import ApiError
from bot.sandbox.faults import Fault, FaultKind, FaultPlan
from bot.sandbox.server import RecordedCall, SandboxServer
from bot.sandbox.state import (
    CallbackQueryRecord,
    ChatEvent,
    ChatEventKind,
    SandboxChat,
    SandboxMessage,
    SandboxUser,
    StoredFile,
)
from bot.sandbox.terminal import run_terminal_chat

__all__ = [
    "ApiError",
    "CallbackQueryRecord",
    "ChatEvent",
    "ChatEventKind",
    "Clock",
    "Fault",
    "FaultKind",
    "FaultPlan",
    "ManualClock",
    "RecordedCall",
    "SandboxChat",
    "SandboxMessage",
    "SandboxPerson",
    "SandboxServer",
    "SandboxUser",
    "StoredFile",
    "run_terminal_chat",
    "system_clock",
]
