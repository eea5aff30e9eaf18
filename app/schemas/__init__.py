"""Pydantic shapes: service inputs, read models, and the curated dataset's file format."""
