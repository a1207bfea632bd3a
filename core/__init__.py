"""The ground every layer stands on: settings, the database, the clock and the district's time."""
