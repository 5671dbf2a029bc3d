"""Progress of long work on stderr: a bar with the time left, or nothing.

The bar shows only where a person watches: stderr is a terminal and the
user did not ask for ``--quiet``. Into a file or a pipe it prints nothing,
so logs and captured output stay clean.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

__all__ = ["progress", "progress_steps"]


@contextmanager
def progress(description: str, total: float, *, quiet: bool = False
             ) -> Iterator[Callable[..., None] | None]:
    """Yield ``update(done, description=None)`` for a bar out of ``total``, or ``None``
    when no bar is shown (a new ``description`` replaces the label, e.g. a pass's name).

    Callers that get ``None`` skip their progress bookkeeping entirely, so a
    run without a bar is exactly the run they would do without this.
    """
    console = Console(stderr=True)
    if quiet or not console.is_terminal:
        yield None
        return
    columns = (TextColumn("{task.description}"), BarColumn(),
               TextColumn("{task.percentage:>3.0f}%"),
               TimeElapsedColumn(), TextColumn("left"), TimeRemainingColumn())
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task(description, total=total)
        yield lambda done, description=None: bar.update(task, completed=done,
                                                        description=description)


@contextmanager
def progress_steps(description: str, total: float, *, quiet: bool = False
                   ) -> Iterator[Callable[..., None]]:
    """Like :func:`progress`, but always yields a callable (a no-op when no bar is shown)."""
    with progress(description, total, quiet=quiet) as update:
        yield update if update is not None else _ignore


def _ignore(done: float, description: str | None = None) -> None:
    return None
