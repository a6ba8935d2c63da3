"""The kernel every app builds on: domain errors, the API conventions (strict input, rendering),
input checks, database helpers, the centre's calendar and the records /healthz reads.

It imports no app and nothing from the config package `ambon112`, which wires the apps
together; the apps import it, so dependencies point one way (docs/architecture.md "The apps").
"""
