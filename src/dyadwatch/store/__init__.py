"""The embedded DuckDB store: schema, ingest, queries, export."""
