"""Journeys: graphs of steps contacts walk through, enrolled on triggers, run by the scheduler.

``config`` reads a journey (validated whole by ``graph``), ``store`` keeps its versions,
``enrolment`` and ``triggers`` put contacts in, ``runner`` executes due steps (``steps``)
idempotently, and ``analytics`` counts what happened.
"""
