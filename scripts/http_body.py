"""Reading an HTTP body from a server we do not trust to stop: bounded in bytes and in time, and a
body that stalls past the read timeout or is cut off is one ApiError, never a traceback.

The registry and GitHub's artifact storage both answer with bodies whose size only they know;
a Content-Length over the cap is refused before reading, and the bytes are counted as they
arrive (decoded, so a gzip bomb counts as what it inflates to), because a server may send no
length, or lie. Knows requests' response object; nothing of what the body means.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import requests
import urllib3

from scripts.errors import ApiError

_CHUNK = 64 * 1024


def chunks(response: requests.Response, cap: int, deadline: float, where: str) -> Iterator[bytes]:
    """The body chunk by chunk: over `cap` bytes or past the deadline (time.monotonic()), an
    ApiError at once. The response must have been requested with stream=True."""
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and len(declared) < 20 and int(declared) > cap:
        raise ApiError(f"{where}: body of {int(declared):,} bytes is over the {cap:,}-byte limit")
    size = 0
    while True:
        # Reading the raw stream, a read timeout or a connection cut mid-body surfaces as urllib3's
        # error, which requests would have wrapped had it read the body itself.
        try:
            chunk = response.raw.read1(_CHUNK, decode_content=True)
        except urllib3.exceptions.HTTPError as exc:
            raise ApiError(f"{where}: the body stopped arriving ({type(exc).__name__})") from None
        if not chunk:
            return
        size += len(chunk)
        if size > cap:
            raise ApiError(f"{where}: body is over the {cap:,}-byte limit")
        if time.monotonic() > deadline:
            raise ApiError(f"{where}: body still arriving after the deadline")
        yield chunk
