"""How a running job reports to Python: progress bars and stage messages.

The C++ job calls ``progress(label, done, total)`` at every batch and ``stage(message)`` at every
step (search's racing rounds); between them it runs Python's signal handlers, so Ctrl-C stops it
(see python/src/run_in_python.h).
"""
import logging

_log = logging.getLogger("langquant")


def _tqdm_class():
    """tqdm's notebook bar when a notebook can draw it, else its text bar; None without tqdm."""
    try:
        import tqdm  # noqa: F401
    except ImportError:
        return None
    try:
        import ipywidgets  # noqa: F401
        from IPython import get_ipython

        shell = get_ipython()
        if shell is not None and shell.__class__.__name__ == "ZMQInteractiveShell":
            from tqdm.notebook import tqdm as bar

            return bar
    except ImportError:
        pass
    from tqdm.std import tqdm as bar

    return bar


class Reporter:
    """progress: None (a tqdm bar when tqdm is installed), True (tqdm, required), False (nothing)
    or a callable(label, done, total) called at the start and after every batch."""

    def __init__(self, progress=None):
        self._callback = None
        self._bar_class = None
        self._bars = {}
        if callable(progress):
            self._callback = progress
        elif progress is None or progress is True:
            self._bar_class = _tqdm_class()
            if self._bar_class is None and progress is True:
                raise ImportError("progress=True needs tqdm (pip install tqdm), or pass a callable")
        elif progress is not False:
            raise TypeError(f"progress must be None, True, False or a callable, not {type(progress).__name__}")

    def progress(self, label, done, total):
        if self._callback is not None:
            self._callback(label, done, total)
        if self._bar_class is None:
            return
        bar = self._bars.get(label)
        if bar is None or done == 0:
            if bar is not None:
                bar.close()
            bar = self._bars[label] = self._bar_class(total=total, desc=label, leave=False)
        bar.update(done - bar.n)

    def stage(self, message):
        _log.info(message)

    def close(self):
        for bar in self._bars.values():
            bar.close()
        self._bars.clear()
