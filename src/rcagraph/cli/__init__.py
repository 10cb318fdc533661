"""The ``rcagraph`` command (typer). Each command group lives in its own module."""
