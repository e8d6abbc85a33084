"""Scrapy settings for knead's spiders: only what we change, each with its reason.

`knead crawl` starts from these and overrides a few per run (delay,
concurrency, item limit, data directory); `scrapy crawl` from the repository
root uses them as they are.
"""

BOT_NAME = "knead"
SPIDER_MODULES = ["spiders.directories"]
NEWSPIDER_MODULE = "spiders.directories"

# -- politeness ---------------------------------------------------------------
# An honest user agent that names the project and where to read about it.
USER_AGENT = "knead/0.1 (+https://pypi.org/project/knead/; massage therapist directory indexer)"
# Directories state what they allow; we never fetch what robots.txt disallows.
ROBOTSTXT_OBEY = True
# At least one second between requests to a domain, AutoThrottle slows further
# when the server does; one request at a time per domain.
DOWNLOAD_DELAY = 1.0
RANDOMIZE_DOWNLOAD_DELAY = False
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
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "spiders.middlewares.StrictRobotsTxtMiddleware": 100,
    # Just outside RetryMiddleware (550): sees only what retries gave up on.
    "spiders.middlewares.FailureLogMiddleware": 540,
}

# -- retries ------------------------------------------------------------------
# Transient failures (5xx, 408, 429, timeouts) are retried a few times more than
# Scrapy's default 2; what still fails is counted in the crawl summary.
RETRY_ENABLED = True
RETRY_TIMES = 3

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

# Where the store of record lives; `knead crawl` sets it from --data-dir /
# KNEAD_DATA_DIR. None: the same default as the CLI's.
KNEAD_DATA_DIR = None

# -- housekeeping -------------------------------------------------------------
LOG_LEVEL = "INFO"
FEED_EXPORT_ENCODING = "utf-8"
