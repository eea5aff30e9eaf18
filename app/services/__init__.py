"""The service layer: the only code that queries or writes the database."""
