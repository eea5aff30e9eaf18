"""migov: regional migration-governance data over REST and GraphQL."""

__version__ = "0.1.0"
