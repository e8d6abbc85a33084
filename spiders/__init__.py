"""knead's Scrapy project: settings, items, pipelines and one spider module per directory."""
