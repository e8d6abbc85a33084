"""`knead sample-site`: serve the bundled samples on 127.0.0.1, or write the registry sample's bulk file.

Every bundled stand-in (spiders.sample_site.bundled.SAMPLES: the AMTA-style
directory, the NPI registry's API...) is served from one process and port.
The first line on stdout is the server's base URL (`knead crawl` reads it
from a pipe); each sample's start URLs follow on stderr.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click


@click.command("sample-site")
@click.option("--port", type=click.IntRange(0, 65535), default=0, help="Port to listen on (default: any free port).")
@click.option("--size", type=click.IntRange(min=10), default=1200, show_default=True, help="Number of therapists in the AMTA-style directory.")
@click.option("--seed", type=int, default=7, show_default=True, help="Generator seed; the same seed gives the same samples.")
@click.option("--write-bulk", "bulk_file", type=click.Path(dir_okay=False, writable=True, path_type=Path), default=None,
              help="Write the registry sample as an NPI bulk file (a full-width zip `knead import nppes` reads) and exit.")
def sample_site(port: int, size: int, seed: int, bulk_file: Path | None) -> None:
    """Serve the bundled samples until interrupted, and print their URLs.

    \b
    One server holds every bundled sample: the AMTA-style directory and the
    NPI registry's API (the same therapists, written the registry's way,
    plus some only the registry has). `knead crawl` with no source serves
    and crawls them all; to crawl one from another terminal:
    knead crawl amta --start-url URL/find-massage-therapist/?location=&keyword=&page=1 --delay 0
    knead crawl nppes --api-url URL/nppes/api/ --state CT --delay 0
    """
    from spiders.sample_site import SampleSite
    from spiders.sample_site.bundled import SAMPLES

    if bulk_file is not None:
        _write_bulk(bulk_file, size, seed)
        return
    with SampleSite(size=size, seed=seed, port=port) as site:
        click.echo(site.url)
        sys.stdout.flush()  # `knead crawl` reads this line from a pipe
        for sample in SAMPLES:
            urls = sample.start_urls(site.url, site.bundled) if sample.answer is None else [sample.url(site.url)]
            click.echo(f"{sample.source}: {sample.what} at {urls[0]}", err=True)
        click.echo("Press Ctrl-C to stop.", err=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass


def _write_bulk(path: Path, size: int, seed: int) -> None:
    from spiders.sample_site import generate
    from spiders.sample_site.bundled import BundledData
    from spiders.sample_site.registry_bulk import write_records_zip

    data = BundledData(generate(size, seed))
    try:
        rows = write_records_zip(path, data.registry_records)
    except OSError as exc:
        raise click.ClickException(f"Could not write {path}: {exc.strerror or exc}. Choose another file.") from None
    click.echo(f"Wrote the registry sample ({rows} records, every column of the NPI bulk file) to {path}; "
               f"`knead import nppes {path}` reads it.", err=True)
