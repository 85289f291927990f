"""Application services: one function per action that several entry points perform.

The staff chat, the `liaison` CLI, the clocks (and a web console) call these; each applies the
rules of its action once (capacity, eligibility, who is told) and records and notifies in the
caller's transaction. Entry points only parse, call, and present the result.
"""


class Refused(ValueError):
    """An action that cannot be done as asked; `reason` is a code the entry point translates."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
