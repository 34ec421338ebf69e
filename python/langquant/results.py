"""Job results as Python objects over the C++ results (src/jobs): the same JSON, Markdown, CSV
and TOML the CLI writes (to_json() is byte for byte the file ``--out`` gets), plus dicts and
pandas tables."""
import io
import json


def _pandas():
    try:
        import pandas
    except ImportError as e:
        raise ImportError("to_pandas() needs pandas, which langquant does not install: pip install pandas") from e
    return pandas


class Result:
    """Common to every result: ``to_json()`` (str), ``to_dict()`` and ``to_pandas()``."""

    def __init__(self, core):
        self._core = core

    def to_json(self):
        return self._core.to_json()

    def to_dict(self):
        return json.loads(self.to_json())

    def to_pandas(self):
        raise NotImplementedError

    def save(self, path):
        """Writes to_json() to path (the file the CLI's --out would hold)."""
        with open(path, "w", encoding="utf-8") as f:
            f.write(self.to_json())


class EvalResult(Result):
    """eval: per language (and group) ppl and bits per byte; with plans, per plan x language
    degradation, disparity, delta_bpb, KL and top-1 agreement."""

    @property
    def has_plans(self):
        return self._core.has_plans

    def to_markdown(self):
        return self._core.to_markdown()

    def to_csv(self):
        return self._core.to_csv()

    def to_pandas(self):
        """With plans: eval's CSV (one row per plan x language). Without: one row per language
        and group, nested intervals flattened into columns such as ``ppl.lo``."""
        pd = _pandas()
        if self.has_plans:
            return pd.read_csv(io.StringIO(self.to_csv()), keep_default_na=False, na_values=[""])
        d = self.to_dict()
        return pd.json_normalize(d["languages"] + d.get("groups", []))

    def _repr_markdown_(self):
        return self.to_markdown()


class ScoreResult(Result):
    """score: one record per token. ``logprobs``, ``ids``, ``lines`` and ``positions`` are
    read-only numpy views into the C++ result (no copy)."""

    def __len__(self):
        return len(self._core)

    @property
    def logprobs(self):
        return self._core.logprobs

    @property
    def ids(self):
        return self._core.ids

    @property
    def lines(self):
        return self._core.lines

    @property
    def positions(self):
        return self._core.positions

    @property
    def tokens(self):
        return self._core.tokens

    def to_jsonl(self):
        """The JSON Lines score --out writes, byte for byte."""
        return self._core.to_jsonl()

    to_json = to_jsonl

    def to_dict(self):
        return {"tokens": [json.loads(line) for line in self.to_jsonl().splitlines()]}

    def save(self, path):
        with open(path, "w", encoding="utf-8") as f:
            f.write(self.to_jsonl())

    def to_pandas(self):
        pd = _pandas()
        return pd.DataFrame({"line": self.lines, "pos": self.positions, "id": self.ids, "token": self.tokens,
                             "logprob": self.logprobs})


class OverlapResult(Result):
    """overlap: per k, the share of the top-k% weights by Fisher that are also top-k% by |w|."""

    def to_text(self):
        return self._core.to_text()

    def to_pandas(self):
        pd = _pandas()
        rows = self.to_dict()["results"]
        return pd.DataFrame([{k: v for k, v in r.items() if k != "tensors"} for r in rows])

    def __str__(self):
        return self.to_text()


class PlanSearchResult(Result):
    """search / recommend: the chosen plan, whether it meets the target (the CLI's exit 3 when
    not), and for recommend the per-layer criticality."""

    @property
    def command(self):
        return self._core.command

    @property
    def plan(self):
        return self._core.plan

    @property
    def target_met(self):
        return self._core.target_met

    def verdict(self):
        return self._core.verdict()

    def to_toml(self):
        return self._core.to_toml()

    def to_text(self):
        """What the command prints: search's text, recommend's Markdown."""
        return self._core.to_text() if self.command == "search" else self._core.to_markdown()

    def to_pandas(self):
        """recommend: one row per layer (criticality ranking); search: the chosen plan's row."""
        pd = _pandas()
        d = self.to_dict()
        if d["layers"]:
            return pd.json_normalize(d["layers"])
        return pd.json_normalize([{k: v for k, v in d.items() if k != "layers"}])

    def __str__(self):
        return self.to_text()
