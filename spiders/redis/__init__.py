"""One crawl shared by several workers through Redis (`knead crawl SOURCE --redis URL`).

scrapy-redis 0.9.1 provides the scheduler, the priority queue and the
duplicates filter; knead adds what it lacks under Scrapy 2.19 and for a crawl
that must lose nothing (see each module):

- `keys`: the Redis key names of one job.
- `serializer`: requests as JSON instead of pickle.
- `scheduler`: scrapy-redis's scheduler with leased pops (in flight, given
  back when a worker dies), start requests handed over by `knead enqueue`.
- `leases`: when a popped request is done (its children queued, its listings
  handed on), and the lease renewal / expiry.
- `budget`: the per-host delay and concurrency shared by every worker.
- `robots`: one robots.txt fetch per host for the whole crawl.
- `worker`: the extension that keeps a worker alive while others work and
  ends it when the crawl is over.
- `scripts`: the Lua scripts that make each shared step atomic (server time).
- `job`: what one worker's Redis components share; a Redis that stays away
  ends the worker with one line.
- `connection`, `settings`, `enqueue`, `pause`: the client and the
  noeviction check, the Scrapy settings of a worker, seeding a crawl, a
  non-blocking wait.
- `stream` (items to a Redis stream) belongs to the publishing side.

Nothing under index/ imports this package.
"""
