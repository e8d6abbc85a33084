"""Spiders for registries: public APIs that list licensed therapists by area (one module per spider `name`)."""
