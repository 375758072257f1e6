"""One object per thread, made on first use in that thread.

python-zstandard's compressor and decompressor objects must not be used by two threads at once (their
C state is not guarded), and the archive is used from more than one: the crawl's store writes in a
thread of its own while the reactor's thread reads captures (the frontier's validators, resume). A
shared module-level context used that way corrupts frames or crashes the process.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class PerThread(Generic[T]):
    """`get()` returns this thread's object, made by `factory` the first time."""

    def __init__(self, factory: Callable[[], T]) -> None:
        self._factory = factory
        self._local = threading.local()

    def get(self) -> T:
        found = getattr(self._local, "value", None)
        if found is None:
            found = self._local.value = self._factory()
        return found
