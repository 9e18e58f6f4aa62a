"""Reference data: real organisations, platforms and adoption evidence, and the loader that puts
them in the database (``python manage.py load_reference_data``).

- ``organisations``: GOV.UK's register of organisations.
- ``catalogue``: the capability and standard taxonomies and the reference platforms.
- ``matching``: matching the evidence's free-text organisation names (pure functions).
- ``adoptions``: adoptions of GOV.UK Pay and GOV.UK Notify from their published data.
- ``loader``: the whole load, in one transaction, and its rule for re-runs.

The files live in ``platforms/reference_data``; SOURCES.md there says where each comes from.
"""
