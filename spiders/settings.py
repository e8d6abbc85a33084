"""Scrapy settings for knead's spiders: only what we change, each with its reason.

`knead crawl` starts from these and overrides a few per run (delay,
concurrency, item limit, data directory); `scrapy crawl` from the repository
root uses them as they are.
"""

BOT_NAME = "knead"
SPIDER_MODULES = ["spiders.directories", "spiders.registries"]
NEWSPIDER_MODULE = "spiders.directories"

# -- politeness ---------------------------------------------------------------
# An honest user agent that names the project and where to read about it.
USER_AGENT = "knead/0.1 (+https://pypi.org/project/knead/; massage therapist directory indexer)"
# Directories state what they allow; we never fetch what robots.txt disallows.
ROBOTSTXT_OBEY = True
# At least one second between requests to a domain, AutoThrottle slows further
# when the server does; one request at a time per domain.
DOWNLOAD_DELAY = 1.0
# No random variation: the delay is a floor we promise, not an average
# (replaces RANDOMIZE_DOWNLOAD_DELAY, deprecated in Scrapy 2.19).
DOWNLOAD_DELAY_JITTER = 0
CONCURRENT_REQUESTS_PER_DOMAIN = 1
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0

# -- safety -------------------------------------------------------------------
# Only http(s): a start URL must never read a local file or reach another scheme.
DOWNLOAD_HANDLERS = {"file": None, "data": None, "ftp": None, "s3": None}
# Listing pages are well under 1 MiB; the 1 GiB / 180 s defaults let one bad
# server stall or bloat a crawl.
DOWNLOAD_MAXSIZE = 8 * 1024 * 1024
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024
DOWNLOAD_TIMEOUT = 30
# Nobody should be able to steer a crawl from the network.
TELNETCONSOLE_ENABLED = False
EXTENSIONS = {"scrapy.extensions.remote_control.RemoteControl": None}

DOWNLOADER_MIDDLEWARES = {
    # Only the start URLs' hosts, even for dont_filter requests, and every refusal counted.
    "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware": None,
    "spiders.middlewares.allowlist.HostAllowListMiddleware": 50,
    # --resume: profiles the interrupted crawl already staged are not fetched again.
    "spiders.middlewares.resume.ResumeMiddleware": 60,
    # robots.txt that answers 5xx or cannot be fetched disallows all (RFC 9309).
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "spiders.middlewares.robots.StrictRobotsTxtMiddleware": 100,
    # Just outside the retry middleware (550): sees only what retries gave up on.
    "spiders.middlewares.failures.FailureLogMiddleware": 540,
    # Scrapy retries at once and ignores Retry-After: wait, and pause the host.
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "spiders.middlewares.retry.BackoffRetryMiddleware": 550,
    # After decompression: a page labelled with the wrong charset is read in its real one.
    "spiders.middlewares.charset.CharsetMiddleware": 585,
    # Scrapy drops a decompression bomb silently: count it as failed.
    "scrapy.downloadermiddlewares.httpcompression.HttpCompressionMiddleware": None,
    "spiders.middlewares.compression.CountedHttpCompressionMiddleware": 590,
    # Just inside RedirectMiddleware (600): refuse loops, other hosts and schemes first.
    "spiders.middlewares.redirects.RedirectGuardMiddleware": 610,
}

# -- retries ------------------------------------------------------------------
# Transient failures (5xx, 408, 429, timeouts) are retried a few times more than
# Scrapy's default 2; what still fails is counted in the crawl summary.
RETRY_ENABLED = True
RETRY_TIMES = 3
# Retry n waits KNEAD_BACKOFF_BASE * 2**n seconds (1, 2, 4 s): a struggling
# server gets room, a crawl is not stalled for long.
KNEAD_BACKOFF_BASE = 1.0
KNEAD_BACKOFF_MAX = 30.0
# Retry-After is honoured (the whole host waits) up to this many seconds; a
# server asking for longer is given up on until then.
KNEAD_RETRY_AFTER_MAX = 120.0
# A chain of more than a few redirects is a loop or a trap, not a listing page.
REDIRECT_MAX_TIMES = 5
# A body shorter than its Content-Length, or a broken chunked encoding, is an
# error (Scrapy's default, stated because a truncated profile must never be
# parsed as a listing).
DOWNLOAD_FAIL_ON_DATALOSS = True

# -- pipelines: a readable priority ladder (see spiders/pipelines/) -----------
ITEM_PIPELINES = {
    "spiders.pipelines.clean.CleanStringsPipeline": 100,
    "spiders.pipelines.phone.PhonePipeline": 300,
    "spiders.pipelines.address.AddressPipeline": 400,
    "spiders.pipelines.geocode.GeocodePipeline": 450,
    "spiders.pipelines.vocabulary.VocabularyPipeline": 500,
    "spiders.pipelines.fields.ProfileFieldsPipeline": 550,
    "spiders.pipelines.validate.ValidatePipeline": 600,
    "spiders.pipelines.dedupe.DuplicatesPipeline": 650,
    "spiders.pipelines.store.RecordStorePipeline": 900,
}
# The pipelines are synchronous and a profile page yields one item: Scrapy's
# default of 100 spawned 100 asyncio tasks per page for nothing (~3 ms CPU a page).
CONCURRENT_ITEMS = 1

# -- recrawls ------------------------------------------------------------------
# Recrawls cost a 304, not a download: pages are cached under the data
# directory and revalidated (ETag / Last-Modified) on every request, by the
# RFC 2616 rules. Retry codes are never cached (the default policy would).
HTTPCACHE_ENABLED = True
HTTPCACHE_POLICY = "scrapy.extensions.httpcache.RFC2616Policy"
HTTPCACHE_STORAGE = "spiders.httpcache.SqliteCacheStorage"
HTTPCACHE_IGNORE_HTTP_CODES = [408, 429, 500, 502, 503, 504, 522, 524]
DEFAULT_REQUEST_HEADERS = {
    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "Accept-Language": "en",
    # Revalidate, never trust a cached page's heuristic freshness.
    "Cache-Control": "max-age=0",
}

# Where the store of record lives; `knead crawl` sets it from --data-dir /
# KNEAD_DATA_DIR. None: the same default as the CLI's.
KNEAD_DATA_DIR = None
# Set by `knead crawl --resume`: the interrupted crawl to continue (0: a new crawl).
KNEAD_RESUME_CRAWL_ID = 0
# A crawl that ends is published by the store pipeline (gate, merge, index), so
# a plain `scrapy crawl` does what `knead crawl` does; `knead crawl` turns this
# off and publishes itself, to report in its own words.
KNEAD_PUBLISH = True
# Listings that complete crawls have not found for this many days are dropped.
KNEAD_STALE_DAYS = 90.0

# -- housekeeping -------------------------------------------------------------
LOG_LEVEL = "INFO"
FEED_EXPORT_ENCODING = "utf-8"
