"""The dispatch app's pages and API, one module per subject."""
