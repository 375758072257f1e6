"""An offline replica of the agencies' websites, served over HTTP on loopback.

Crawls reach it as an HTTP proxy, so pages keep their real URLs (`http://smzj.anshun.gov.cn/…`).
`build(seed, docs)` gives the same sites in-process, for tests that need the expected documents.
"""

from replica.core import Replica, build
from replica.documents import ReplicaAttachment, ReplicaDocument
from replica.web import Response

__all__ = ["Replica", "ReplicaAttachment", "ReplicaDocument", "Response", "build"]
