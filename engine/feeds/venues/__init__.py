"""One module per venue, each declaring a ``VENUE`` (:class:`engine.feeds.venue.Venue`): its parser
and what its live feed opens.  :mod:`engine.feeds.registry` finds them here."""
