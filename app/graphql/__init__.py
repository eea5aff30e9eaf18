"""GraphQL adapter (strawberry) over the same service layer as REST."""
