"""Content packs: schema, loader and validator, lookups."""
