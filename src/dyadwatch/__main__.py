"""``python -m dyadwatch`` runs the command line."""

from dyadwatch.cli import main

main()
