"""A drand-style public randomness beacon (HTTP API v2), read over HTTP with a timeout.

With ``PANEL_BEACON_URL`` set (a chain's URL, e.g. ``https://api.drand.sh/v2/beacons/quicknet``)
an appeal's seed also mixes in the randomness of the first beacon round published after the
appeal was registered: ``round = floor((registered - genesis_time) / period) + 2`` (round 1
is emitted at ``genesis_time``; this is the first round strictly after registration). Not
even the operator can know that value in advance. Until the round is out, or while the
beacon cannot be reached, the appeal stays ``drawing`` and the worker tries again; there is
no fallback to a seed without it.
"""

from __future__ import annotations

import json
import math
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime


class BeaconUnavailable(Exception):
    """The beacon did not answer, or the round is not out yet: try again later."""


@dataclass(frozen=True)
class ChainInfo:
    genesis_time: int
    period: int


@dataclass(frozen=True)
class Beacon:
    url: str
    timeout: float = 5.0

    def _get(self, path: str) -> dict:
        address = f"{self.url.rstrip('/')}/{path}"
        try:
            with urllib.request.urlopen(address, timeout=self.timeout) as response:  # noqa: S310
                return json.loads(response.read().decode("utf-8"))
        except urllib.error.HTTPError as exc:
            exc.close()
            raise BeaconUnavailable(f"HTTP {exc.code}") from None
        except (urllib.error.URLError, TimeoutError, OSError, ValueError) as exc:
            raise BeaconUnavailable(type(exc).__name__) from None

    def info(self) -> ChainInfo:
        data = self._get("info")
        return ChainInfo(int(data["genesis_time"]), int(data["period"]))

    def round_after(self, registered_at: datetime, info: ChainInfo | None = None) -> int:
        info = info or self.info()
        elapsed = registered_at.timestamp() - info.genesis_time
        return max(1, math.floor(elapsed / info.period) + 2)

    def randomness(self, round_: int) -> str:
        """The round's randomness as 64 hex digits; BeaconUnavailable until it is out."""
        data = self._get(f"rounds/{round_}")
        if int(data.get("round", -1)) != round_:
            raise BeaconUnavailable(f"asked for round {round_}, got {data.get('round')}")
        value = str(data.get("randomness", ""))
        if len(value) != 64 or any(c not in "0123456789abcdef" for c in value):
            raise BeaconUnavailable("the round's randomness is not 32 bytes of hex")
        return value
