"""What every CLI command shares: settings from the environment, the console, error exits."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator

import typer
from rich.console import Console

from rcagraph.core import RcaGraph
from rcagraph.errors import InputError, RcaGraphError, RejectedRecordsError
from rcagraph.settings import Settings

console = Console()
err_console = Console(stderr=True)

#: exit codes of the rcagraph command
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_REJECTED = 3


def settings() -> Settings:
    """Settings built at the edge, from the environment (``RCAGRAPH_*``)."""
    return Settings()


@contextlib.contextmanager
def cli_errors() -> Iterator[None]:
    """Print an rcagraph error as one clear message and exit non-zero (no traceback)."""
    try:
        yield
    except RejectedRecordsError as exc:
        err_console.print(f"[yellow]{exc}[/yellow]")
        raise typer.Exit(EXIT_REJECTED) from exc
    except InputError as exc:
        err_console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(EXIT_ERROR) from exc
    except RcaGraphError as exc:
        err_console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(EXIT_ERROR) from exc


@contextlib.contextmanager
def open_rca() -> Iterator[RcaGraph]:
    """The core object for one CLI command, connected as the settings say."""
    with cli_errors(), RcaGraph.open(settings()) as rca:
        yield rca


def is_tty() -> bool:
    return sys.stderr.isatty()
