"""HTTP: the Segment-compatible tracking API and the REST API (thin routes over services)."""
