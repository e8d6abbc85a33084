"""The bundled sample directory: a generated AMTA-style site on loopback.

`generate(size, seed)` builds a deterministic `SampleDirectory` (therapists at
real ZIP codes, with truth records saying exactly what their pages show);
`SampleSite` serves one with the standard library for `knead crawl` on a fresh
install, the spider's tests and the benchmarks. The format it follows is
`shared/reference/amta-style/README.md`. No Scrapy here: stdlib plus `zipcodes`.

Modules: `words` and `vocabulary` (data), `generator` (cores and listings),
`profile` (one therapist's details and layout), `pages` (rendering), `server`.
"""

from .generator import SampleDirectory, generate
from .server import SampleSite

__all__ = ["SampleDirectory", "SampleSite", "generate"]
