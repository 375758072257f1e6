"""The Scrapy project: settings, middlewares, pipelines and the page parsers (`crawler.extraction`)."""
