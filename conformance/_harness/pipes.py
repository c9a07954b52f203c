"""A reader that stops early (``conformance specs | head``) ends the output, not the command.

Python ignores SIGPIPE, so a write to a closed pipe raises
``BrokenPipeError``: a traceback for ``specs | head``, and, in the middle of
a run, an internal error of pytest that would lose the verdict. While a
command runs, ``sys.stdout`` is wrapped: the first broken pipe points file
descriptor 1 at the null device (so nothing, not even the flush at exit,
fails again) and every later write is dropped. The command finishes, its
reports are written, and its exit code is its own.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any, TextIO


class PipeSafe:
    """A text stream that turns a broken pipe into silence (see the module docstring)."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self.broken = False

    def write(self, text: str) -> int:
        """Write ``text``, or drop it once the reader has gone."""
        if not self.broken:
            try:
                return self._stream.write(text)
            except BrokenPipeError:
                self._silence()
        return len(text)

    def writelines(self, lines: Iterable[str]) -> None:
        """Write each line (``TextIO.writelines``)."""
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        """Flush, or do nothing once the reader has gone."""
        if not self.broken:
            try:
                self._stream.flush()
            except BrokenPipeError:
                self._silence()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)

    def _silence(self) -> None:
        self.broken = True
        try:
            null = os.open(os.devnull, os.O_WRONLY)
            try:
                os.dup2(null, self._stream.fileno())
            finally:
                os.close(null)
        except (OSError, ValueError, AttributeError):
            pass  # not a file descriptor (a capture in tests): dropping writes is enough


@contextmanager
def pipe_safe_stdout() -> Iterator[PipeSafe]:
    """``sys.stdout`` wrapped in ``PipeSafe`` for the duration, then restored."""
    original = sys.stdout
    wrapped = PipeSafe(original)
    sys.stdout = wrapped
    try:
        yield wrapped
    finally:
        wrapped.flush()
        sys.stdout = original
