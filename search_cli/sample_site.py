"""`knead sample-site`: serve the bundled AMTA-style sample directory on 127.0.0.1."""

from __future__ import annotations

import sys
import time

import click


@click.command("sample-site")
@click.option("--port", type=click.IntRange(0, 65535), default=0, help="Port to listen on (default: any free port).")
@click.option("--size", type=click.IntRange(min=10), default=1200, show_default=True, help="Number of therapists.")
@click.option("--seed", type=int, default=7, show_default=True, help="Generator seed; the same seed gives the same site.")
def sample_site(port: int, size: int, seed: int) -> None:
    """Serve the sample directory until interrupted, and print its URL.

    Crawl it from another terminal with
    `knead crawl amta --start-url URL/find-massage-therapist/?location=&keyword=&page=1 --delay 0`.
    """
    from spiders.sample_site import SampleSite

    with SampleSite(size=size, seed=seed, port=port) as site:
        click.echo(site.url)
        sys.stdout.flush()  # `knead crawl` reads this line from a pipe
        click.echo(f"Start URL: {site.start_url}", err=True)
        click.echo("Press Ctrl-C to stop.", err=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
