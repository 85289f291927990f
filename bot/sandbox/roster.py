"""The people of the terminal chat, kept across restarts in `<data dir>/sandbox-people.json`.

The bot knows people by their Telegram id, and the sandbox is in memory; so that Amina is still
Amina (and the demo's staff still staff) after a restart, the names, ids and languages are saved,
with whether the demo data was offered already.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from bot.sandbox.world import FIRST_USER_ID


@dataclass(frozen=True)
class RosterEntry:
    name: str
    user_id: int
    language: str | None = None


@dataclass
class Roster:
    """Who has been played in this data directory, in order, and the answer to the demo offer."""

    path: Path | None  # None: remembered for this run only
    people: list[RosterEntry] = field(default_factory=list)
    demo: str | None = None  # "loaded" or "declined" once the offer was answered

    @classmethod
    def load(cls, data_dir: Path) -> Roster:
        path = data_dir / "sandbox-people.json"
        if not path.exists():
            return cls(path)
        saved = json.loads(path.read_text(encoding="utf-8"))
        people = [
            RosterEntry(p["name"], int(p["user_id"]), p.get("language")) for p in saved.get("people", [])
        ]
        return cls(path, people, saved.get("demo"))

    def save(self) -> None:
        if self.path is None:
            return
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        data = {"people": [asdict(entry) for entry in self.people], "demo": self.demo}
        self.path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")

    def find(self, name: str) -> RosterEntry | None:
        wanted = name.casefold()
        return next((entry for entry in self.people if entry.name.casefold() == wanted), None)

    def remember(self, name: str, user_id: int, language: str | None) -> RosterEntry:
        """Someone who already has a sandbox account (the person the chat starts as)."""
        entry = RosterEntry(name, user_id, language)
        self.people.append(entry)
        self.save()
        return entry

    def add(self, name: str, language: str | None) -> RosterEntry:
        """A new person with the next free id (ids never repeat, so the bot never mixes two people)."""
        user_id = max((entry.user_id for entry in self.people), default=FIRST_USER_ID - 1) + 1
        return self.remember(name, user_id, language)
