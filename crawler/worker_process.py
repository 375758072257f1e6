"""One parse worker process, spoken to from the reactor's own thread through two pipes.

Why not `concurrent.futures.ProcessPoolExecutor`: it moves every call and every result through two
threads of the crawl process (a feeder that pickles and writes, a manager that reads, unpickles and
wakes the event loop), and those threads take the GIL from the reactor, which is the crawl's
bottleneck. Measured with a 30 KB page in and a small result back, 16 calls in flight: 0.42–0.45 ms
of the crawl process's CPU a call through the executor, 0.10 ms through the pipes read and written by
the event loop itself (asyncio's pipe transports, which buffer a large body instead of blocking).
Each pipe is widened to 1 MB (`_widen`): the loop moves bytes only between its callbacks, and a pipe
of Linux's default 64 KB left the worker idle while a busy reactor held the next pages.

Workers are spawned (a fresh interpreter that imports the parser: about a second of CPU), except those
forked ahead (`fork_ahead`): a crawl process forks its first workers before it opens the archive or
starts the reactor, while it has one thread and no event loop, and each is born with what the process
has imported (a crawl forked by a warm fork server has the parser warmed already). A worker started
later, a replacement for one that died included, is spawned: by then the process runs threads.

A frame is an 8-byte big-endian length and a pickle: `(call id, function, args, kwargs)` to the
worker, `(call id, ok, result or exception)` back. The worker is a plain loop: read a frame, call,
write the answer; end of input ends it. It ignores SIGINT, so a crawl stopping on Ctrl-C can still
have its last pages parsed. A worker that dies (killed, out of memory) fails the calls it held, with
the reason, and the pool starts another for the next call (`crawler.workers`).
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import gc
import multiprocessing
import os
import pickle
import signal
import struct
import threading
from collections.abc import Callable
from functools import cache
from itertools import count
from typing import Any

_HEADER = struct.Struct("!Q")
# What each pipe may hold (Linux's own default is 64 KB, about two replica pages).
PIPE_BYTES = 1 << 20


class WorkerDied(RuntimeError):
    """The worker process ended while it held this call (its exit code is in the message)."""


class WorkerProcess:
    """A spawned process running `_serve`, and the calls it has not answered yet."""

    def __init__(self, initializer: Callable[[], None] | None = None) -> None:
        self.initializer = initializer
        self.process: multiprocessing.process.BaseProcess | None = None
        self.pending: dict[int, asyncio.Future[Any]] = {}
        self._ids = count()
        self._writer: asyncio.WriteTransport | None = None
        self._calls_pipe: _RawPipe | None = None
        self._answers_pipe: _RawPipe | None = None
        self._started: asyncio.Future[None] | None = None
        self.alive = True

    async def start(self) -> None:
        """Spawn the process and connect its pipes to the running event loop (once; later callers wait
        for the first)."""
        if self._started is not None:
            return await asyncio.shield(self._started)
        loop = asyncio.get_running_loop()
        self._started = loop.create_future()
        try:
            forked = _take_forked(self.initializer)
            if forked is not None:
                self.process, calls_write, answers_read = forked
            else:
                # spawn, not fork: forking a process that runs a reactor and a thread pool is unsafe.
                self.process, calls_write, answers_read = _start(
                    multiprocessing.get_context("spawn"), self.initializer
                )
            self._calls_pipe = _RawPipe(calls_write)
            self._writer, _ = await loop.connect_write_pipe(asyncio.Protocol, self._calls_pipe)
            self._answers_pipe = _RawPipe(answers_read)
            await loop.connect_read_pipe(lambda: _Answers(self), self._answers_pipe)
        except BaseException as exc:
            self.alive = False
            self._started.set_exception(exc)
            self._started.exception()  # retrieved: the caller gets it raised
            raise
        self._started.set_result(None)

    async def call(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """`fn(*args, **kwargs)` in the worker; raises what it raised there, or WorkerDied."""
        await self.start()
        if not self.alive or self._writer is None or self._writer.is_closing():
            raise WorkerDied(self._death())
        call_id = next(self._ids)
        payload = pickle.dumps((call_id, fn, args, kwargs), protocol=pickle.HIGHEST_PROTOCOL)
        answer: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self.pending[call_id] = answer
        self._writer.write(_HEADER.pack(len(payload)))
        self._writer.write(payload)
        return await answer

    def answered(self, frame: bytes) -> None:
        call_id, ok, value = pickle.loads(frame)
        answer = self.pending.pop(call_id, None)
        if answer is None or answer.done():  # its caller was cancelled meanwhile
            return
        if ok:
            answer.set_result(value)
        else:
            answer.set_exception(value)

    def died(self) -> None:
        """The answers pipe closed: the process is gone (or going); every call it held fails."""
        self.alive = False
        if self._writer is not None:
            self._writer.close()
        if self.process is not None:
            self.process.join(timeout=5)
        reason = self._death()
        for answer in self.pending.values():
            if not answer.done():
                answer.set_exception(WorkerDied(reason))
        self.pending.clear()

    def stop(self) -> None:
        """End of input: the worker finishes the call it is in and exits; killed if it does not. Called
        when the crawling is over (nothing waits for an answer), from the event loop's thread, which
        this blocks: so the pipe is closed here, not by the transport's next turn of the loop."""
        self.alive = False
        if self._writer is not None:
            self._writer.abort()
        if self._calls_pipe is not None:
            self._calls_pipe.close()  # idempotent: the transport closes it again later
        if self.process is not None:
            _end(self.process, 30)

    def _death(self) -> str:
        code = self.process.exitcode if self.process is not None else None
        return f"the worker process ended (exit code {code})"


def _start(
    context: Any, initializer: Callable[[], None] | None, inherited: tuple[Any, ...] = ()
) -> tuple[multiprocessing.process.BaseProcess, Any, Any]:
    """A worker process serving two new pipes: (the process, the calls' write end, the answers' read
    end). `inherited`: this process's ends of other workers' pipes, which a forked child must close
    (with its own, below)."""
    calls_read, calls_write = context.Pipe(duplex=False)
    answers_read, answers_write = context.Pipe(duplex=False)
    for pipe in (calls_write, answers_write):
        _widen(pipe)
    if context.get_start_method() == "fork":
        # A forked child holds this process's ends of its own pipes too: the calls' write end left open
        # there, the worker would never read its end of input (a crawl's shutdown then waited 30 s).
        inherited = (*inherited, calls_write, answers_read)
    process = context.Process(
        target=_serve,
        args=(calls_read, answers_write, initializer, inherited),
        daemon=True,
        name="xxgk-parse-worker",
    )
    process.start()
    calls_read.close()
    answers_write.close()
    return process, calls_write, answers_read


def _widen(pipe: Any) -> None:
    """Let the pipe hold `PIPE_BYTES` (or the most this system allows an unprivileged process).

    The event loop refills the calls pipe and drains the answers pipe only between its callbacks. With
    64 KB a pipe holds two pages, about 5 ms of parsing, and the reactor's turns are often longer: the
    worker then sat idle a quarter of a crawl with 150 calls queued behind it (`bench/crawl.py`, full
    crawl 14.7-15.3 s against 11.9-12.1 s with 1 MB). Where the size cannot be set (not Linux), the
    pipe keeps its default: slower, not wrong."""
    with contextlib.suppress(AttributeError, OSError):
        fcntl.fcntl(pipe.fileno(), fcntl.F_SETPIPE_SZ, _pipe_bytes())


@cache
def _pipe_bytes() -> int:
    """`PIPE_BYTES`, or the system's limit for an unprivileged process if lower (read once)."""
    try:
        with open("/proc/sys/fs/pipe-max-size") as limit:
            return min(PIPE_BYTES, int(limit.read()))
    except (OSError, ValueError):
        return PIPE_BYTES


# Workers forked ahead and not taken yet, by the initializer they ran.
_FORKED: dict[Callable[[], None] | None, list[tuple[multiprocessing.process.BaseProcess, Any, Any]]] = {}


def fork_ahead(count: int, initializer: Callable[[], None] | None) -> int:
    """Fork `count` workers now, each having run `initializer`, for the next `count` workers of that
    initializer to take instead of spawning. Only while this process runs one thread and no event
    loop (a fork copies locks held by other threads, and the reactor's state): otherwise nothing is
    forked. Returns how many were. A spawned worker costs about a second of CPU to import what a
    forked one is born with (a crawl process forked from a warm fork server: the parser warmed)."""
    if count <= 0 or threading.active_count() != 1 or _has_event_loop():
        return 0
    context = multiprocessing.get_context("fork")
    waiting = _FORKED.setdefault(initializer, [])
    for _ in range(count):
        # A child gets a copy of every descriptor: the calls pipe of a worker forked before it would
        # then never see its end of input.
        inherited = tuple(
            end for ws in _FORKED.values() for _, calls, answers in ws for end in (calls, answers)
        )
        waiting.append(_start(context, initializer, inherited))
    return count


def unused_forked() -> None:
    """End the workers forked ahead that no pool took (their end of input; they exit)."""
    for waiting in _FORKED.values():
        for process, calls, answers in waiting:
            calls.close()
            answers.close()
            _end(process, 5)
    _FORKED.clear()


def _end(process: multiprocessing.process.BaseProcess, seconds: float) -> None:
    """Wait for a worker whose input has ended to exit; killed if it does not within `seconds`."""
    process.join(timeout=seconds)
    if process.is_alive():
        process.kill()
        process.join()


def _take_forked(
    initializer: Callable[[], None] | None,
) -> tuple[multiprocessing.process.BaseProcess, Any, Any] | None:
    waiting = _FORKED.get(initializer)
    while waiting:
        process, calls, answers = waiting.pop(0)
        if process.is_alive():
            return process, calls, answers
        calls.close()
        answers.close()
    return None


def _has_event_loop() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


_STARTING: set[asyncio.Task[None]] = set()  # held until done: the event loop keeps only weak references


def start_soon(worker: WorkerProcess) -> None:
    """Start `worker` in the background when an event loop is running (else its first call starts it):
    a worker's imports (seconds of CPU) then overlap the crawl's first requests instead of holding up
    its first pages. A failed start is dropped here: the worker is dead, so the next call starts
    another and meets the reason itself."""
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return
    task = loop.create_task(worker.start())
    _STARTING.add(task)
    task.add_done_callback(_started)


def _started(task: asyncio.Task[None]) -> None:
    _STARTING.discard(task)
    if not task.cancelled():
        task.exception()  # retrieved


class _RawPipe:
    """A pipe end as asyncio's pipe transports want it (a `fileno()` and a `close()`)."""

    def __init__(self, connection: Any) -> None:
        self.connection = connection

    def fileno(self) -> int:
        return self.connection.fileno()

    def close(self) -> None:
        self.connection.close()


class _Answers(asyncio.Protocol):
    """Reads the worker's frames as they arrive and settles each call's future."""

    def __init__(self, worker: WorkerProcess) -> None:
        self.worker = worker
        self.buffer = bytearray()

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while len(self.buffer) >= _HEADER.size:
            (size,) = _HEADER.unpack_from(self.buffer)
            end = _HEADER.size + size
            if len(self.buffer) < end:
                return
            frame = bytes(self.buffer[_HEADER.size : end])
            del self.buffer[:end]
            self.worker.answered(frame)

    def eof_received(self) -> bool:
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        self.worker.died()


def _serve(
    calls: Any, answers: Any, initializer: Callable[[], None] | None, inherited: tuple[Any, ...] = ()
) -> None:
    """The worker's loop (in the worker's process): first the pipe ends it does not own closed (a forked
    worker has copies of them), then a frame in, a call, a frame out, until end of input."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for end in inherited:
        end.close()
    if initializer is not None:
        initializer()
    # What the worker was born with and imported (a forked one: the whole crawl process's modules) is
    # never garbage; frozen, the collector's full passes stop walking it (crawler/extensions/collector.py).
    gc.freeze()
    read_fd, write_fd = calls.fileno(), answers.fileno()
    while True:
        header = _read_exactly(read_fd, _HEADER.size)
        if header is None:
            return
        frame = _read_exactly(read_fd, _HEADER.unpack(header)[0])
        if frame is None:
            return
        call_id, fn, args, kwargs = pickle.loads(frame)
        try:
            answer = pickle.dumps((call_id, True, fn(*args, **kwargs)), protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as exc:  # the caller gets the exception, or its description if it won't pickle
            try:
                answer = pickle.dumps((call_id, False, exc), protocol=pickle.HIGHEST_PROTOCOL)
            except Exception:
                failure = RuntimeError(f"{type(exc).__name__}: {exc}")
                answer = pickle.dumps((call_id, False, failure), protocol=pickle.HIGHEST_PROTOCOL)
        _write_all(write_fd, _HEADER.pack(len(answer)) + answer)


def _read_exactly(fd: int, size: int) -> bytes | None:
    """`size` bytes from the pipe, or None at its end."""
    chunks, left = [], size
    while left:
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]
