"""Defence in depth for the query workers: no network at all, where the operating system allows it.

The SERVICE/LOAD refusal (:mod:`kg_builder.server.outbound`) decides on the engine's own
parse; this makes a mistake there harmless. A worker moves itself into a new, empty network
namespace before it opens the store or starts a thread: it then has no interface but a
loopback that is down, so the engine cannot reach any host, this machine's included, while
its pipe to the server (a file descriptor) and the store files work as before.

* As root (CI and most containers run so), ``unshare(CLONE_NEWNET)`` is enough.
* Otherwise an unprivileged user namespace may be allowed (most Linux distributions allow
  it): ``unshare(CLONE_NEWUSER | CLONE_NEWNET)``; the worker's files are still read with
  the server's own user.
* Fallback, when neither is possible (another OS, a container without the capability, user
  namespaces switched off): the workers keep the server's network and the SERVICE/LOAD
  refusal is the only guard. ``/health`` says which (``outbound``) and the server logs it once.

Not used when the operator allows remote calls (``--allow-service``) or serves an external
store (``--backend``): those workers need the network.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys

CLONE_NEWNET = 0x40000000
CLONE_NEWUSER = 0x10000000


def cut_network() -> str | None:
    """Move this process into an empty network namespace: None once done, else why it could not be."""
    if not sys.platform.startswith("linux"):
        return f"network namespaces are a Linux feature (this is {sys.platform})"
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
        unshare = libc.unshare
    except (OSError, AttributeError) as exc:
        return f"unshare() is not available: {exc}"
    if unshare(CLONE_NEWNET) == 0:
        return None
    first = ctypes.get_errno()
    if unshare(CLONE_NEWUSER | CLONE_NEWNET) == 0:
        return None
    second = ctypes.get_errno()
    return (f"unshare(CLONE_NEWNET) failed ({os.strerror(first)}) and so did an unprivileged user namespace "
            f"({os.strerror(second)})")
