"""A deterministic synthetic B2B data set, as Segment messages and as a contacts CSV."""

from cadence.demo.contacts_csv import CSV_HEADER, write_contacts_csv
from cadence.demo.generator import generate, window
from cadence.demo.summary import DemoSummary, batches, summarize

__all__ = [
    "CSV_HEADER",
    "DemoSummary",
    "batches",
    "generate",
    "summarize",
    "window",
    "write_contacts_csv",
]
