"""``python -m app`` runs the operator CLI (the same as the ``migov`` script)."""

from app.cli import main

main()
