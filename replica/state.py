"""The replica's state directory: `state.json` = {seed, docs, mutations, clock}, shared between processes.

`xxgk replica serve` writes it on first start; `xxgk replica change …` (later) appends mutation records;
a running server notices the file changed (mtime/size) and rebuilds, so changes need no restart.
Writes are atomic (temp file + rename) and serialised with a lock file.
"""

from __future__ import annotations

import fcntl
import json
import os
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from archive.clock import SimulatedClock, parse_moment
from replica.core import Replica

STATE_FILE = "state.json"
FORMAT = 1


@dataclass
class ReplicaState:
    seed: int
    docs: int
    mutations: list[dict[str, Any]] = field(default_factory=list)
    format: int = FORMAT
    # Simulated time ({"as_of": ISO, "set_at": ISO UTC}, see `set_clock`); None: real time.
    clock: dict[str, str] | None = None
    fleet: int = 0  # generated agencies served beside the real sites (replica/fleet.py)

    def simulated_clock(self) -> SimulatedClock | None:
        if not self.clock:
            return None
        return SimulatedClock(parse_moment(self.clock["as_of"]), parse_moment(self.clock["set_at"]))

    def build(self) -> Replica:
        return Replica(self.seed, self.docs, self.mutations, clock=self.simulated_clock(), fleet=self.fleet)


def state_file(directory: Path) -> Path:
    return Path(directory) / STATE_FILE


def load_state(directory: Path) -> ReplicaState | None:
    path = state_file(directory)
    if not path.exists():
        return None
    raw = json.loads(path.read_text(encoding="utf-8"))
    return ReplicaState(
        seed=int(raw["seed"]),
        docs=int(raw["docs"]),
        mutations=list(raw.get("mutations", [])),
        format=int(raw.get("format", FORMAT)),
        clock=raw.get("clock"),
        fleet=int(raw.get("fleet", 0)),
    )


def save_state(directory: Path, state: ReplicaState) -> None:
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    tmp = directory / f".{STATE_FILE}.{os.getpid()}.tmp"
    tmp.write_text(json.dumps(asdict(state), ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(tmp, state_file(directory))


@contextmanager
def locked(directory: Path) -> Iterator[None]:
    """Serialise writers of one state directory (servers starting, change commands)."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / ".lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def open_state(directory: Path, seed: int, docs: int, fleet: int = 0) -> ReplicaState:
    """The state to serve: kept (with its mutations) when seed, docs and fleet match, else started afresh."""
    with locked(directory):
        state = load_state(directory)
        if state is None or (state.seed, state.docs, state.fleet) != (seed, docs, fleet):
            state = ReplicaState(seed=seed, docs=docs, fleet=fleet)
            save_state(directory, state)
        return state


def set_clock(directory: Path, as_of: datetime | None) -> ReplicaState:
    """Put the replica "on" `as_of` (it runs on from there at real speed), or back on real time (None).
    A running server rebuilds: it then serves what its sites had published by that moment."""
    with locked(directory):
        state = load_state(directory)
        if state is None:
            raise FileNotFoundError(f"no replica state in {directory}; start `xxgk replica serve` first")
        if as_of is None:
            state.clock = None
        else:
            if as_of.tzinfo is None:
                raise ValueError("the replica clock needs an aware moment")
            state.clock = {"as_of": as_of.isoformat(), "set_at": datetime.now(UTC).isoformat()}
        save_state(directory, state)
        return state


def append_mutation(directory: Path, mutation: Mapping[str, Any]) -> ReplicaState:
    """Record one change; a running server picks it up on its next request."""
    with locked(directory):
        state = load_state(directory)
        if state is None:
            raise FileNotFoundError(f"no replica state in {directory}; start `xxgk replica serve` first")
        state.mutations.append(dict(mutation))
        save_state(directory, state)
        return state


class LiveReplica:
    """The current replica of a state directory, rebuilt when `state.json` changes on disk."""

    def __init__(self, directory: Path, state: ReplicaState, check_every: float = 0.2) -> None:
        self.directory = Path(directory)
        self.check_every = check_every
        self._stamp = self._file_stamp()
        self._checked = time.monotonic()
        self.state = state
        self.replica = state.build()
        self._followed: Replica | None = None  # the replica as of a crawler's clock (`at`)

    def _file_stamp(self) -> tuple[int, int, int] | None:
        try:
            stat = state_file(self.directory).stat()
        except FileNotFoundError:
            return None
        return stat.st_mtime_ns, stat.st_size, stat.st_ino

    def current(self) -> Replica:
        now = time.monotonic()
        if now - self._checked >= self.check_every:
            self._checked = now
            stamp = self._file_stamp()
            if self.replica.due_for_rebuild():  # simulated time reached a change not yet applied
                self._stamp = None
            if stamp != self._stamp and stamp is not None:
                self._stamp = stamp
                try:
                    state = load_state(self.directory)
                    if state is not None:
                        self.state, self.replica, self._followed = state, state.build(), None
                except (ValueError, KeyError, OSError) as error:  # keep serving the last good state
                    print(
                        f"replica: ignoring unusable {state_file(self.directory)}: {error}", file=sys.stderr
                    )
        return self.replica

    def as_of(self, moment: datetime) -> Replica:
        """The replica as of a crawler's simulated clock (the `X-Xxgk-Clock` request header): rebuilt
        only when the changes and pages due by then differ from the last build's."""
        self.current()  # pick up a changed state file first
        clock = SimulatedClock(moment, datetime.now(UTC))
        followed = self._followed
        if followed is None or followed.stale_at(moment):
            followed = self._followed = Replica(
                self.state.seed, self.state.docs, self.state.mutations, clock, self.state.fleet
            )
        followed.clock = clock  # the `Date` it sends
        return followed
