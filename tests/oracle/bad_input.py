"""The bad-input catalogue's one rule, shared by its test files: exit code 1 (not 0, not a signal
or abort) and exactly one stderr line "langquant: error: <file>: <problem>"."""
import os


def assert_bad_input(proc, names, phrase):
    """Exit 1, one stderr line naming one of `names` and containing `phrase`; returns the line."""
    assert proc.returncode == 1, f"exit {proc.returncode}, stderr:\n{proc.stderr}"
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, f"expected one stderr line, got {len(lines)}:\n{proc.stderr}"
    line = lines[0]
    assert line.startswith("langquant: error: "), line
    names = [names] if isinstance(names, (str, os.PathLike)) else names
    assert any(str(n) in line for n in names), f"{line!r} does not name {names}"
    assert phrase in line, f"{line!r} lacks {phrase!r}"
    return line
