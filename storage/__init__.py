"""Storage, the lowest layer: the engine and sessions (db), every table (models, handoff,
accounts, records), their shared types and clock (types), and the Alembic migrations.

It imports no other package of the project; everything above it may import it.
"""
