"""Market context: open interest and funding per coin, the series the engine keeps (the REST
pollers that fetch them live are the feeds', :mod:`engine.feeds.poller`)."""
