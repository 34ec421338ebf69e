"""langquant: which languages a language model loses when it is quantized.

The jobs of the ``langquant`` command as Python functions, computed by the same C++ library
(src/jobs). Keyword arguments are the command's flags, dashes written as underscores
(``--batch-tokens`` -> ``batch_tokens``, ``--no-bos`` -> ``no_bos=True``); repeatable flags and
comma lists take lists (or the comma string). Every job also takes ``threads`` (the CLI's
``--threads``; None leaves the current setting) and ``progress`` (None: a tqdm bar when tqdm is
installed; False; or a callable(label, done, total)). Ctrl-C stops a job with KeyboardInterrupt
and leaves no half-written output file. Files named by ``out``/``md``/``csv`` are written as the
CLI writes them; results also give ``to_json()``, ``to_dict()`` and ``to_pandas()``.

    import langquant as lq
    r = lq.eval("models/default", "data/sample", plan=["none", "layer0"], langs="en,ar,hi")
    r.to_pandas()
"""
from . import _core, _options
from ._core import Error
from ._progress import Reporter
from .results import EvalResult, OverlapResult, PlanSearchResult, Result, ScoreResult

__all__ = ["Error", "open_checkpoint", "plan_line", "eval", "score", "overlap", "search", "recommend",
           "EvalResult", "ScoreResult", "OverlapResult", "PlanSearchResult", "Result"]


def open_checkpoint(path):
    """A Hugging Face checkpoint folder or GGUF file with its tokenizer: architecture, sizes,
    tensors, encode/decode. Jobs accept it wherever they take a model."""
    return _core.open_checkpoint(_options.path(path))


def plan_line(plan):
    """The one-line form of a plan given as a dict (a .json plan file's layout) or a string."""
    return _options.plan(plan, 0)


def _run(job, progress, threads, **kwargs):
    if threads is not None:
        _core.set_threads(int(threads))
    reporter = Reporter(progress)
    try:
        return job(reporter=reporter, **kwargs)
    finally:
        reporter.close()


def eval(model, corpus, *, plan=None, langs=None, group=None, out=None, md=None, csv=None, progress=None,
         threads=None, **flags):
    """langquant eval: per-language quality, alone or against plans (``plan``: a preset, plan file,
    one-line plan or dict, or a list of them). Other flags: base, keep, ref, mode, ctx, no_bos,
    bootstrap, seed, batch_tokens, resume."""
    return EvalResult(_run(_core.eval, progress, threads, model=_options.path(model), corpus=_options.path(corpus),
                           plan=_options.plans(plan), langs=_options.str_list(langs), group=_options.groups(group),
                           out=_options.path(out), md=_options.path(md), csv=_options.path(csv), **flags))


def score(model, file, *, out=None, progress=None, threads=None, **flags):
    """langquant score: the log-probability of every token of a text file (each line on its own).
    Other flags: batch_tokens."""
    return ScoreResult(_run(_core.score, progress, threads, model=_options.path(model), file=_options.path(file),
                            out=_options.path(out), **flags))


def overlap(model, fisher, *, k=None, sets=None, out=None, progress=None, threads=None, **flags):
    """langquant overlap: of the k% most important weights by Fisher, the share also among the k%
    largest by |w|. Other flags: select, scope."""
    if k is not None:
        flags["k"] = _options.float_list(k)
    if sets is not None:
        flags["sets"] = ",".join(_options.str_list(sets))
    return OverlapResult(_run(_core.overlap, progress, threads, model=_options.path(model),
                              fisher=_options.path(fisher), out=_options.path(out), **flags))


def _plan_search(job, model, corpus, langs, group, groups, out, progress, threads, flags):
    if groups is not None:
        flags["groups"] = _options.str_list(groups)
    return PlanSearchResult(_run(job, progress, threads, model=_options.path(model), corpus=_options.path(corpus),
                                 langs=_options.str_list(langs), group=_options.groups(group),
                                 out=_options.path(out), **flags))


def search(model, corpus, *, langs=None, group=None, groups=None, out=None, progress=None, threads=None, **flags):
    """langquant search: the cheapest protection meeting ``target`` within ``budget``. A missed
    target is not an exception: see ``target_met``. Other flags: target, budget, method, width,
    base, keep, ref, no_race, race_start, race_bootstrap, bootstrap, seed, batch_tokens, resume."""
    return _plan_search(_core.search, model, corpus, langs, group, groups, out, progress, threads, flags)


def recommend(model, corpus, *, langs=None, group=None, groups=None, out=None, progress=None, threads=None,
              **flags):
    """langquant recommend: a per-layer sweep ranks layers by criticality, then search runs in that
    order. Flags as search."""
    return _plan_search(_core.recommend, model, corpus, langs, group, groups, out, progress, threads, flags)
