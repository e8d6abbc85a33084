"""The publisher's side of a crawl's item stream in Redis: a consumer group, read, acknowledge, claim.

Workers append each listing to the stream `knead:<job>:items`
(spiders/redis/stream.py). One publisher reads it through the consumer group
`knead-publish`, in batches, and acknowledges a batch only after the store of
record committed it, so an entry is either in the store or still pending in
Redis, never neither:

- a publisher killed between XREADGROUP and XACK leaves its batch pending;
  the next publisher claims every pending entry (XAUTOCLAIM) before reading
  new ones, and stages it again: staging is keyed by (crawl, listing id), so
  an entry staged twice is still one listing;
- an entry delivered but whose reply was lost (Redis restarted mid-call) is
  pending for this very consumer: `read` returns this consumer's own pending
  entries (id `0`) before new ones (`>`), so a retried call loses nothing.

Acknowledged entries are deleted from the stream (XACK and XDEL in one
transaction): a national crawl's listings would otherwise stay in Redis's
memory until the crawl's keys are cleared.

Only one publisher may consume a job at a time (`PublisherLease`): claiming
pending entries from "any other consumer" is safe only because every other
consumer is known to be dead. The lease is a key with an expiry, renewed
while the publisher works; a publisher on this host whose process is gone
gives it up at once (a restart right after `kill -9` need not wait for the
expiry).
"""

from __future__ import annotations

import json
import os
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import redis

GROUP = "knead-publish"
LEASE_MS = 30_000  # a dead publisher on another host blocks a new one this long at most
RENEW_EVERY = 5.0  # seconds between renewals, well inside the lease

# Renew or release the lease only while it still holds this publisher's own value.
_RENEW = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end return 0"
_RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0"


class LeaseHeld(Exception):
    """Another publisher, alive or not yet expired, consumes this job."""

    def __init__(self, holder: dict[str, Any], ttl_ms: int):
        self.holder, self.ttl_ms = holder, ttl_ms
        who = f"{holder.get('host', '?')} pid {holder.get('pid', '?')}"
        super().__init__(f"another publisher ({who}) is consuming this crawl")


class LeaseLost(Exception):
    """This publisher's lease expired and another publisher took it (a long stall)."""


def consumer_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


class PublisherLease:
    """`SET key value NX PX`: the one publisher of a job, renewed by `renew()`, released on exit."""

    def __init__(self, client: redis.Redis, key: str):
        self.client, self.key = client, key
        self.value = json.dumps({"host": socket.gethostname(), "pid": os.getpid(), "since": time.time()})
        self._renewed = 0.0

    def __enter__(self) -> PublisherLease:
        if not self.client.set(self.key, self.value, nx=True, px=LEASE_MS):
            self._take_from_the_dead()
        self._renewed = time.monotonic()
        return self

    def _take_from_the_dead(self) -> None:
        with self.client.pipeline() as pipe:
            try:
                pipe.watch(self.key)
                raw = pipe.get(self.key)
                holder = _holder(raw)
                same_host = holder.get("host") == socket.gethostname()
                if raw is not None and not (same_host and isinstance(holder.get("pid"), int)
                                            and not _alive(holder["pid"])):
                    raise LeaseHeld(holder, int(pipe.pttl(self.key)))
                pipe.multi()
                pipe.set(self.key, self.value, px=LEASE_MS)
                pipe.execute()
            except redis.WatchError:  # another publisher moved first
                raw = self.client.get(self.key)
                raise LeaseHeld(_holder(raw), int(self.client.pttl(self.key))) from None

    def renew(self) -> None:
        if time.monotonic() - self._renewed < RENEW_EVERY:
            return
        if not self.client.eval(_RENEW, 1, self.key, self.value, LEASE_MS):
            raise LeaseLost(self.key)
        self._renewed = time.monotonic()

    def __exit__(self, *exc: object) -> None:
        try:
            self.client.eval(_RELEASE, 1, self.key, self.value)
        except redis.RedisError:
            pass  # Redis is away: the lease expires by itself


def _holder(raw: bytes | None) -> dict[str, Any]:
    try:
        value = json.loads(raw) if raw else {}
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


@dataclass(frozen=True)
class Entry:
    id: bytes
    fields: dict[bytes, bytes] | None  # None: the entry was deleted while pending


class StreamConsumer:
    """One consumer of `stream`'s publisher group: `claim_all`, `read`, `ack`."""

    def __init__(self, client: redis.Redis, stream: str, *, batch: int = 500, name: str | None = None):
        self.client, self.stream, self.batch = client, stream, batch
        self.name = name or consumer_name()

    def ensure_group(self) -> None:
        try:
            self.client.xgroup_create(self.stream, GROUP, id="0", mkstream=True)
        except redis.ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    def claim_all(self) -> Iterator[list[Entry]]:
        """Every entry pending for any consumer (dead publishers), now this one's, a batch at a time."""
        start = "0-0"
        while True:
            reply = self.client.xautoclaim(self.stream, GROUP, self.name, min_idle_time=0,
                                           start_id=start, count=self.batch)
            start, claimed = reply[0], reply[1]
            deleted = reply[2] if len(reply) > 2 else []
            entries = [Entry(i, f) for i, f in claimed] + [Entry(i, None) for i in deleted]
            if entries:
                yield entries
            if start in (b"0-0", "0-0"):
                return

    def forget_dead_consumers(self) -> int:
        """Remove other consumers with nothing pending (each dead publisher leaves its name behind)."""
        removed = 0
        for consumer in self.client.xinfo_consumers(self.stream, GROUP):
            name = consumer["name"].decode() if isinstance(consumer["name"], bytes) else consumer["name"]
            if name != self.name and not consumer["pending"]:
                removed += self.client.xgroup_delconsumer(self.stream, GROUP, name) >= 0
        return removed

    def read(self, block_ms: int | None = None) -> list[Entry]:
        """This consumer's own pending entries first, then new ones (waiting up to `block_ms` for them)."""
        for start in ("0", ">"):
            reply = self.client.xreadgroup(GROUP, self.name, {self.stream: start}, count=self.batch,
                                           block=block_ms if start == ">" else None)
            entries = [Entry(i, f or None) for _key, rows in reply or () for i, f in rows]
            if entries:
                return entries
        return []

    def ack(self, entries: list[Entry]) -> None:
        """Acknowledge and delete, in one transaction (call only after the store committed them)."""
        ids = [e.id for e in entries]
        if not ids:
            return
        with self.client.pipeline(transaction=True) as pipe:
            pipe.xack(self.stream, GROUP, *ids)
            pipe.xdel(self.stream, *ids)
            pipe.execute()

    def pending(self) -> int:
        return int(self.client.xpending(self.stream, GROUP)["pending"])

    def backlog(self) -> int:
        """Entries still in the stream (unread or pending): acknowledged ones are deleted."""
        return int(self.client.xlen(self.stream))
