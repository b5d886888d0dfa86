"""Market context: open interest and funding per coin (series kept by the engine, REST pollers
that fetch them live)."""
