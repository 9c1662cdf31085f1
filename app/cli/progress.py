"""A rich progress bar on stderr for long commands, drawn only when stderr is a terminal, so pipes, logs and
captured output get the summary line alone."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

Update = Callable[[int, int], None]


def _ignore(done: int, total: int) -> None:
    return None


@contextmanager
def progress_bar(description: str, *, show: bool = True) -> Iterator[Update]:
    """Yield `update(done, total)`; the bar disappears when the block ends, leaving room for a summary line."""
    console = Console(stderr=True)
    if not show or not console.is_terminal:
        yield _ignore
        return
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task(description, total=None)
        yield lambda done, total: progress.update(task, completed=done, total=total)
