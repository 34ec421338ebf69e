"""Keyword arguments as Python gives them, turned into what the C++ jobs take (the CLI's flags):
paths may be PathLike or a Checkpoint, comma lists may be lists, plans may be dicts."""
import json
import os

from . import _core


def path(value):
    """A path, a PathLike or a Checkpoint (its path); None -> ''."""
    if value is None:
        return ""
    if isinstance(value, _core.Checkpoint):
        return value.path
    return os.fspath(value)


def str_list(value, comma=True):
    """'en,ar' or ['en', 'ar'] -> ['en', 'ar'] (comma=False: a lone string is one item)."""
    if value is None:
        return []
    if isinstance(value, str):
        return [v for v in value.split(",") if v] if comma else [value]
    return [str(v) for v in value]


def float_list(value):
    """k: 1, '0.1,1,5' or [0.1, 1, 5]."""
    if isinstance(value, (int, float)):
        return [float(value)]
    return [float(v) for v in str_list(value)]


def groups(value):
    """--group: 'cjk=ja,zh', a list of those, or {'cjk': ['ja', 'zh']}."""
    if isinstance(value, dict):
        return [f"{name}={','.join(str_list(members))}" for name, members in value.items()]
    return str_list(value, comma=False)


def plan(value, index):
    """A plan: a preset name, a plan file, a one-line plan, or a dict in a .json plan file's layout
    (read by the same C++ parser, handed on as the one-line form with its name)."""
    if isinstance(value, dict):
        return _core.plan_line_from_json(json.dumps(value), f"plan[{index}] (dict)")
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    if not isinstance(value, str):
        raise TypeError(f"plan[{index}]: expected a str, PathLike or dict, not {type(value).__name__}")
    return value


def plans(value):
    if value is None:
        return []
    if isinstance(value, (str, dict, os.PathLike)):
        value = [value]
    return [plan(v, i) for i, v in enumerate(value)]
