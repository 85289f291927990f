"""Fault injection: make the next matching Bot API calls fail the ways Telegram and networks fail.

A test adds faults, globally or for one method and/or one chat; each call takes the first matching
fault in the order they were added and uses up one of its `times`.
"""

from dataclasses import dataclass
from enum import StrEnum


class FaultKind(StrEnum):
    """The failures the sandbox can play, and what python-telegram-bot raises for each."""

    RETRY_AFTER = "retry_after"  # 429 with parameters.retry_after -> RetryAfter
    BLOCKED = "blocked"  # 403 "Forbidden: bot was blocked by the user" -> Forbidden
    CHAT_NOT_FOUND = "chat_not_found"  # 400 "Bad Request: chat not found" -> BadRequest
    SERVER_ERROR = "server_error"  # 502 "Bad Gateway" -> NetworkError
    SLOW = "slow"  # sleep `delay`, then answer normally
    TIMEOUT = "timeout"  # do the call, then hold the answer past the client's timeout -> TimedOut
    DROP = "drop"  # close the connection without doing the call or answering -> NetworkError


# How long TIMEOUT holds an answer unless told otherwise: past any sensible client read timeout.
DEFAULT_TIMEOUT_HOLD = 60.0
DEFAULT_SLOW_DELAY = 1.0


@dataclass(eq=False, slots=True)
class Fault:
    """One injected fault. `times` None means forever; `hits` counts the calls it has answered."""

    kind: FaultKind
    method: str | None
    chat_id: int | str | None
    times: int | None
    retry_after: int
    delay: float
    hits: int = 0

    def matches(self, method: str, chat_id: int | str | None) -> bool:
        """Whether a call to `method` (lower-cased) for `chat_id` should get this fault."""
        if self.method is None:
            # A global fault leaves getUpdates alone, or the bot's own polling would swallow it.
            if method == "getupdates":
                return False
        elif self.method != method:
            return False
        return self.chat_id is None or self.chat_id == chat_id


class FaultPlan:
    """The faults waiting to happen on one sandbox server (`server.faults`)."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []

    def __bool__(self) -> bool:
        return bool(self._faults)

    def __len__(self) -> int:
        return len(self._faults)

    def add(
        self,
        *,
        kind: FaultKind | str,
        method: str | None = None,
        chat_id: int | str | None = None,
        times: int | None = 1,
        retry_after: int = 3,
        delay: float | None = None,
    ) -> Fault:
        """Make the next `times` calls to `method` (any method but getUpdates when None) for `chat_id`
        (any chat when None) fail as `kind`. `retry_after` is for "retry_after"; `delay` is how long
        "slow" sleeps and "timeout" holds its answer."""
        fault_kind = FaultKind(kind)
        if times is not None and times < 1:
            raise ValueError("times must be at least 1, or None for a fault that never runs out")
        if delay is None:
            delay = DEFAULT_TIMEOUT_HOLD if fault_kind is FaultKind.TIMEOUT else DEFAULT_SLOW_DELAY
        fault = Fault(
            kind=fault_kind,
            method=method.lower() if method else None,
            chat_id=chat_id,
            times=times,
            retry_after=retry_after,
            delay=delay,
        )
        self._faults.append(fault)
        return fault

    def clear(self) -> None:
        """Forget every fault not yet used."""
        self._faults.clear()

    def take(self, method: str, chat_id: int | str | None) -> Fault | None:
        """The fault for this call, if any, using up one of its times."""
        for index, fault in enumerate(self._faults):
            if fault.matches(method, chat_id):
                fault.hits += 1
                if fault.times is not None:
                    fault.times -= 1
                    if fault.times == 0:
                        del self._faults[index]
                return fault
        return None
