"""Server-rendered pages for people (not API clients): preference center, unsubscribe,
double opt-in confirmation, hosted subscribe forms, proof of consent."""
