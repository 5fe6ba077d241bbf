"""The model adapter: loading a checkpoint, what it reports (`spec`), how conversations become
rows (`formatting`), and carrying out a batch plan on the backbone (`scorer`, `prefix`).

The only layer that runs torch. Import its modules directly (`reward_service.model.loading`):
this package file loads nothing, so the torch-free `spec` is cheap to import.
"""
