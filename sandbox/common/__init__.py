"""Generic pieces both local servers build on: HTTP scaffolding, SQLite store, faults, parsers."""
