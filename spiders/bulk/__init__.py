"""Registry bulk files read as streams, without Scrapy: the layout, the reader, the import.

- `layout`: the NPPES main file's 330 columns, in CMS's order.
- `nppes`: opens a monthly or weekly zip (or the CSV inside it) or the
  deactivation report and streams its rows, never unpacking to disk.
- `normalise`: the crawl pipelines' normalisation, called as plain functions.
- `importer`: one bulk file -> a crawl in the store of record (staged, finished).

Imports index/ and spiders/parse/ and spiders/pipelines/' pure functions;
never Scrapy or click.
"""
