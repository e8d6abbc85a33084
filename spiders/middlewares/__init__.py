"""Downloader middlewares that keep knead polite to, and safe from, the servers it crawls.

One middleware per module, as Scrapy keeps its own: `allowlist`, `resume`,
`robots`, `failures`, `retry`, `charset`, `compression`, `redirects`; and three
helper modules, `hosts` (which hosts a crawl may touch, for the allow-list
and the redirect guard), `report` (the "URL (reason)" lists of the crawl
summary) and `unreachable` (DNS, connection and TLS failures in words).

Each one fixes something Scrapy alone gets wrong (see the Scrapy traps in the
project notes); every refusal and failure is counted in the stats and listed
in `knead/failed_urls`, so the crawl summary shows it.

- `HostAllowListMiddleware` (50) replaces Scrapy's OffsiteMiddleware: only the
  start URLs' hosts (and the spider's `allowed_domains`) are ever fetched, on
  80/443 or the start URL's port, whatever `dont_filter` says (Scrapy's start
  requests and redirects carry it past the offsite filter). Refusals:
  `knead/offsite_refused`, or `knead/redirect_refused/other_host` for a
  meta-refresh target.
- `ResumeMiddleware` (60), only for `knead crawl --resume`: a profile request
  whose listing id the interrupted crawl already staged is dropped before it
  reaches the network (`knead/resume_skipped`).
- `StrictRobotsTxtMiddleware` (100) replaces Scrapy's: a robots.txt that
  answers 5xx or cannot be fetched means "disallow all" (RFC 9309 section
  2.3.1.4) where Scrapy would allow everything; a 4xx still means "no rules".
  It also keeps the URLs it skipped, for the crawl summary. A host that
  cannot be reached at all (DNS, refused, TLS) is not a robots.txt decision:
  its URLs are failed as "HOST unreachable: REASON".
- `FailureLogMiddleware` (540) sits just outside the retry middleware, so it
  sees what retries gave up on (error statuses and download errors) and
  records the URLs; a response flagged as having lost data is never passed on.
- `BackoffRetryMiddleware` (550) replaces Scrapy's RetryMiddleware, which
  retries at once: a 429 or 503 with `Retry-After` (seconds or an HTTP date)
  pauses the whole host (its downloader slot) until then, capped by
  `KNEAD_RETRY_AFTER_MAX`; asked to wait longer, knead gives up on that host
  until the time it asked for. Other retries wait `KNEAD_BACKOFF_BASE * 2**n`
  seconds (at most `KNEAD_BACKOFF_MAX`); a 429 without `Retry-After` pauses
  the host for that long.
- `CharsetMiddleware` (585, after decompression): a page whose declared
  charset cannot be right is decoded with the one that is: labelled UTF-8 but
  not valid UTF-8 (the `<meta>` charset, else windows-1252), or labelled
  Latin-1 / windows-1252 / ASCII but valid multi-byte UTF-8 (the common
  mislabel, which would otherwise store "MarÃ­a"). A BOM always wins, as in
  Scrapy. Counted as `knead/charset_mislabelled`.
- `CountedHttpCompressionMiddleware` (590): Scrapy's decompression, which
  stops at `DOWNLOAD_MAXSIZE` of *decompressed* bytes (a gzip bomb) but drops
  the page silently; this counts it as failed (`knead/oversized`).
- `RedirectGuardMiddleware` (610, just inside RedirectMiddleware) refuses a
  redirect before it is followed: back to a URL already in the chain (`loop`),
  to another host or port (`other_host`), to another scheme such as `file:`,
  `data:` or `ftp:` (`scheme`), past `REDIRECT_MAX_TIMES` (`too_many`), or to
  an unparsable Location (`bad_location`); counted as
  `knead/redirect_refused/<reason>`.
"""
