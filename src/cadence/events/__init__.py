"""Event ingestion: the Segment-compatible spec, deduplication and the batch pipeline."""
