"""Entry point of the ``qdcnet`` command.

Only typer and the version are imported at start-up; each subcommand imports
its implementation inside the command function, so ``qdcnet --help`` does not
pay for numpy, scipy or the simulation layers.
"""

from __future__ import annotations

import sys

import typer

from qdcnet._version import __version__

app = typer.Typer(
    name="qdcnet",
    help="Design, simulate and orchestrate quantum data centers.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _show_version(value: bool) -> None:
    if value:
        typer.echo(f"qdcnet {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: bool = typer.Option(
        False, "--version", callback=_show_version, is_eager=True, help="Show the version and exit."
    ),
) -> None:
    """Design, simulate and orchestrate quantum data centers."""


@app.command()
def info(
    json_output: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
) -> None:
    """Show the versions of qdcnet, Python and the libraries a run records."""
    from qdcnet.cli.info import show_info

    show_info(json_output=json_output)


def run() -> None:
    """Console-script entry: user mistakes print one line, never a traceback."""
    from qdcnet.errors import QdcnetError

    try:
        app()
    except QdcnetError as exc:
        typer.secho(f"error: {exc}", fg=typer.colors.RED, err=True)
        sys.exit(2)
