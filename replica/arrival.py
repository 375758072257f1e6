"""When a request reached the machine, not when the replica got round to it.

The fleet's politeness tests read the replica's request log: no host may see more than its budget in
any second, and none during a pause. The replica is one Twisted process serving every worker; on a
loaded machine it can be descheduled or busy rendering another page for a few hundred milliseconds,
and the requests that arrived meanwhile would all be stamped the moment it reads them, as if they had
arrived together. So the log takes the kernel's receive time of the bytes, which `recvmsg` hands over
with them once `SO_TIMESTAMP` is set on the socket (Linux does so for TCP); where it is missing, the
read time.
"""

from __future__ import annotations

import socket
import struct
import time
from typing import Any

from twisted.internet import main, tcp
from twisted.python.runtime import platformType

SO_TIMESTAMP = getattr(socket, "SO_TIMESTAMP", 29 if platformType == "posix" else None)  # Linux's value
_TIMEVAL = struct.Struct("@ll")  # struct timeval: seconds, microseconds
_ANCILLARY = socket.CMSG_SPACE(_TIMEVAL.size) if hasattr(socket, "CMSG_SPACE") else 0


def kernel_stamp(ancillary: list[tuple[int, int, bytes]]) -> float | None:
    """The receive time in `recvmsg`'s ancillary data, if the kernel gave one."""
    for level, kind, data in ancillary:
        if level == socket.SOL_SOCKET and kind == SO_TIMESTAMP and len(data) >= _TIMEVAL.size:
            seconds, micros = _TIMEVAL.unpack_from(data)
            return seconds + micros / 1e6
    return None


def _stamp_receipts(sock: socket.socket) -> bool:
    """Ask the kernel for the receive time of what `sock` reads (False where it cannot)."""
    if SO_TIMESTAMP is None or not _ANCILLARY:
        return False
    try:
        sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMP, 1)
    except OSError:
        return False
    return True


class StampedConnection(tcp.Server):
    """A server connection that remembers when the bytes it read last arrived (`arrived`)."""

    def __init__(self, sock: socket.socket, *args: Any, **kwargs: Any) -> None:
        super().__init__(sock, *args, **kwargs)
        self.arrived = time.time()
        self.stamped = _stamp_receipts(sock)

    def doRead(self) -> Any:
        if not self.stamped:
            self.arrived = time.time()
            return super().doRead()
        try:
            data, ancillary, _flags, _address = self.socket.recvmsg(self.bufferSize, _ANCILLARY)
        except OSError as error:
            if error.args[0] == tcp.EWOULDBLOCK:
                return None
            return main.CONNECTION_LOST
        self.arrived = kernel_stamp(ancillary) or time.time()
        return self._dataReceived(data)


class StampedPort(tcp.Port):
    """A listening port whose connections are `StampedConnection`s. The option is set on the listening
    socket too: an accepted socket does not inherit it, but with it the kernel stamps the bytes that
    arrive before the replica accepts their connection (it stamps nothing while no socket asks)."""

    transport = StampedConnection

    def createInternetSocket(self) -> socket.socket:
        sock = super().createInternetSocket()
        _stamp_receipts(sock)
        return sock


def arrival_of(transport: Any) -> float:
    """When the request being served on `transport` arrived (the read time on any other transport)."""
    return float(getattr(transport, "arrived", None) or time.time())
