"""The teleglas command line and Textual app.  Importing this package does not import Textual:
``teleglas run --headless`` and ``teleglas backtest`` never load the UI."""
