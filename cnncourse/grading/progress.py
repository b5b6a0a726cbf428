"""Live progress of a grading run: a bar on a terminal, a plain line every few seconds in a log."""

from __future__ import annotations

import sys
import time


def clock(seconds: float) -> str:
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


class Progress:
    """Counts finished and failed submissions and shows them, with the elapsed and the estimated time left.

    On a terminal, a tqdm bar; otherwise (CI logs, a file) one line at most every
    ``every`` seconds and one at the end, so a log shows that the run is alive.
    """

    def __init__(self, total: int, stream=None, every: float = 10.0, bar: bool | None = None):
        self.total, self.done, self.failed = total, 0, 0
        self.stream = stream or sys.stdout
        self.every = every
        self.started = self._last_line = time.monotonic()
        use_bar = self.stream.isatty() if bar is None else bar
        self._bar = None
        if use_bar and total:
            from tqdm import tqdm

            self._bar = tqdm(total=total, file=self.stream, unit="submission", dynamic_ncols=True,
                             bar_format="{l_bar}{bar}| {n_fmt}/{total_fmt} [{elapsed}<{remaining}]{postfix}")
            self._bar.set_postfix_str("0 failed")

    def update(self, failed: bool) -> None:
        self.done += 1
        self.failed += int(failed)
        if self._bar is not None:
            self._bar.set_postfix_str(f"{self.failed} failed", refresh=False)
            self._bar.update(1)
        elif time.monotonic() - self._last_line >= self.every or self.done == self.total:
            self._last_line = time.monotonic()
            print(self.line(), file=self.stream, flush=True)

    def line(self) -> str:
        elapsed = time.monotonic() - self.started
        left = elapsed / self.done * (self.total - self.done) if self.done else float("nan")
        estimate = clock(left) if self.done else "unknown"
        return (f"autograde: {self.done}/{self.total} done, {self.failed} failed, "
                f"{clock(elapsed)} elapsed, about {estimate} left")

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
