"""Every write on tickets, assignments, units and an incident's closure: one transaction and one
event per change, named like the radio call (docs/architecture.md "The apps")."""
