"""Builds small GPT-2 (and other architectures') checkpoints with Hugging Face transformers itself (real tensor names,
layouts, config.json, dtypes) and GPT-2's real tokenizer, for the oracle tests."""
import shutil
from pathlib import Path

import torch
from transformers import GPT2Config, GPT2LMHeadModel

from conftest import CORPORA, GPT2_TOKENIZER


def make_gpt2(dir_, *, n_layer=2, n_embd=64, n_head=4, n_inner=None, n_positions=1024,
              initializer_range=0.02, dtype=torch.float32, max_shard_size=None, seed=0, **extra):
    """Saves a random-weight GPT2LMHeadModel with the real 50,257-token vocabulary; returns the
    model (in float32, eval mode) as the reference."""
    torch.manual_seed(seed)
    cfg = GPT2Config(n_layer=n_layer, n_embd=n_embd, n_head=n_head, n_inner=n_inner,
                     n_positions=n_positions, vocab_size=50257, initializer_range=initializer_range,
                     **extra)
    model = GPT2LMHeadModel(cfg).eval()
    dir_ = Path(dir_)
    kwargs = {"safe_serialization": True}
    if max_shard_size:
        kwargs["max_shard_size"] = max_shard_size
    model.to(dtype).save_pretrained(dir_, **kwargs)
    shutil.copy(GPT2_TOKENIZER / "tokenizer.json", dir_ / "tokenizer.json")
    # The reference computes in float32 from exactly the stored (possibly rounded) weights.
    ref = GPT2LMHeadModel.from_pretrained(dir_, torch_dtype=torch.float32).eval()
    return ref


# ---- other architectures -------------------------------------------------------------------
# Every builder below saves a random-weight transformers model of the given class and config
# (shaped like a real model, scaled down), puts GPT-2's tokenizer beside it (vocab_size 50257,
# <|endoftext|> = 50256 as BOS/EOS), and returns the float32 reference loaded back from disk.


def multilingual_lines(per_lang=2):
    """A few lines of UD PUD in several scripts (Latin, Cyrillic, Han, Arabic, Devanagari, Kana)."""
    langs = [("ud-pud", "en"), ("ud-pud", "de"), ("ud-pud", "ru"), ("ud-pud", "zh"), ("ud-pud", "ar"),
             ("ud-pud", "hi"), ("ud-pud", "ja")]
    lines = []
    for folder, lang in langs:
        with open(CORPORA / folder / f"{lang}.txt", encoding="utf-8") as f:
            lines += [next(f).rstrip("\n") for _ in range(per_lang)]
    return lines


def causal_reference(model, lines, *, before_line=None):
    """{(line, pos): (id, logprob)} from transformers, BOS prepended as `langquant score` does."""
    from tokenizers import Tokenizer
    tok = Tokenizer.from_file(str(GPT2_TOKENIZER / "tokenizer.json"))
    bos = model.config.bos_token_id
    out = {}
    with torch.no_grad():
        for i, line in enumerate(lines):
            if before_line:
                before_line(model)
            ids = [bos] + tok.encode(line, add_special_tokens=False).ids
            logp = torch.log_softmax(model(torch.tensor([ids])).logits[0].double(), dim=-1)
            for pos in range(len(ids) - 1):
                out[(i, pos)] = (ids[pos + 1], logp[pos, ids[pos + 1]].item())
    return out


def compare_causal(tmp_path, model_dir, ref_model, lines, *, threads=2, before_line=None):
    """Max |langquant logprob - transformers logprob| over every token of `lines`, and the count."""
    from conftest import read_jsonl, run_lq
    text = tmp_path / "lines.txt"
    text.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "tokens.jsonl"
    run_lq("score", "--model", model_dir, "--file", text, "--out", out, "--threads", threads)
    got = read_jsonl(out)
    ref = causal_reference(ref_model, lines, before_line=before_line)
    assert len(got) == len(ref), "langquant scored a different number of tokens"
    worst = 0.0
    for rec in got:
        rid, rlp = ref[(rec["line"], rec["pos"])]
        assert rec["id"] == rid
        worst = max(worst, abs(rec["logprob"] - rlp))
    return worst, len(got)


def inspect_json(model_dir):
    import json
    from conftest import run_lq
    return json.loads(run_lq("inspect", model_dir, "--json").stdout)

def make_hf(dir_, model_cls, cfg, *, dtype=torch.float32, seed=0):
    torch.manual_seed(seed)
    model = model_cls(cfg).eval()
    # Initialisation leaves biases at 0 and norm weights at 1: perturb every 1-D parameter so
    # that a bias or norm weight langquant ignored or misplaced would show.
    with torch.no_grad():
        for _, p in model.named_parameters():
            if p.ndim == 1:
                p.add_(torch.randn_like(p) * 0.1)
    dir_ = Path(dir_)
    model.to(dtype).save_pretrained(dir_, safe_serialization=True)
    shutil.copy(GPT2_TOKENIZER / "tokenizer.json", dir_ / "tokenizer.json")
    return model_cls.from_pretrained(dir_, torch_dtype=torch.float32).eval()


GPT2_VOCAB = dict(vocab_size=50257, bos_token_id=50256, eos_token_id=50256, pad_token_id=None)


def make_llama(dir_, *, dtype=torch.float32, seed=0, **cfg):
    from transformers import LlamaConfig, LlamaForCausalLM
    base = dict(hidden_size=64, intermediate_size=172, num_hidden_layers=2, num_attention_heads=4,
                max_position_embeddings=512, rms_norm_eps=1e-5, initializer_range=0.08,
                tie_word_embeddings=False, **GPT2_VOCAB)
    base.update(cfg)
    return make_hf(dir_, LlamaForCausalLM, LlamaConfig(**base), dtype=dtype, seed=seed)


def make_mistral(dir_, *, dtype=torch.float32, seed=0, **cfg):
    from transformers import MistralConfig, MistralForCausalLM
    base = dict(hidden_size=64, intermediate_size=224, num_hidden_layers=2, num_attention_heads=8,
                num_key_value_heads=2, max_position_embeddings=512, sliding_window=4096,
                rms_norm_eps=1e-5, rope_theta=10000.0, initializer_range=0.08,
                tie_word_embeddings=False, **GPT2_VOCAB)
    base.update(cfg)
    return make_hf(dir_, MistralForCausalLM, MistralConfig(**base), dtype=dtype, seed=seed)


def make_qwen2(dir_, *, dtype=torch.float32, seed=0, **cfg):
    from transformers import Qwen2Config, Qwen2ForCausalLM
    base = dict(hidden_size=64, intermediate_size=176, num_hidden_layers=2, num_attention_heads=4,
                num_key_value_heads=2, max_position_embeddings=512, rms_norm_eps=1e-6,
                rope_theta=1000000.0, initializer_range=0.08, tie_word_embeddings=True, **GPT2_VOCAB)
    base.update(cfg)
    return make_hf(dir_, Qwen2ForCausalLM, Qwen2Config(**base), dtype=dtype, seed=seed)


def make_gemma3(dir_, *, dtype=torch.float32, seed=0, **cfg):
    """Gemma3ForCausalLM: 4 layers alternating local (window 5, shorter than the test lines) and
    global, GQA 4:2, head_dim 24 (not hidden / heads), tied head."""
    from transformers import Gemma3ForCausalLM, Gemma3TextConfig
    base = dict(hidden_size=64, intermediate_size=160, num_hidden_layers=4, num_attention_heads=4,
                num_key_value_heads=2, head_dim=24, query_pre_attn_scalar=24, sliding_window=5,
                sliding_window_pattern=2, max_position_embeddings=512, rms_norm_eps=1e-6,
                rope_theta=1000000.0, rope_local_base_freq=10000.0, initializer_range=0.08,
                tie_word_embeddings=True, attn_implementation="eager", **GPT2_VOCAB)
    base.update(cfg)
    return make_hf(dir_, Gemma3ForCausalLM, Gemma3TextConfig(**base), dtype=dtype, seed=seed)


def make_opt(dir_, *, dtype=torch.float32, seed=0, **cfg):
    from transformers import OPTConfig, OPTForCausalLM
    base = dict(hidden_size=64, ffn_dim=256, num_hidden_layers=2, num_attention_heads=4,
                max_position_embeddings=512, word_embed_proj_dim=64, do_layer_norm_before=True,
                activation_function="relu", init_std=0.08, **GPT2_VOCAB)
    base.update(cfg)
    return make_hf(dir_, OPTForCausalLM, OPTConfig(**base), dtype=dtype, seed=seed)


def make_gpt_neox(dir_, *, dtype=torch.float32, seed=0, **cfg):
    from transformers import GPTNeoXConfig, GPTNeoXForCausalLM
    base = dict(hidden_size=64, intermediate_size=256, num_hidden_layers=2, num_attention_heads=4,
                max_position_embeddings=512, rotary_pct=0.25, rotary_emb_base=10000,
                use_parallel_residual=True, hidden_act="gelu", layer_norm_eps=1e-5,
                initializer_range=0.08, tie_word_embeddings=False, **GPT2_VOCAB)
    base.update(cfg)
    return make_hf(dir_, GPTNeoXForCausalLM, GPTNeoXConfig(**base), dtype=dtype, seed=seed)


def make_bloom(dir_, *, dtype=torch.float32, seed=0, **cfg):
    from transformers import BloomConfig, BloomForCausalLM
    base = dict(hidden_size=64, n_layer=2, n_head=4, layer_norm_epsilon=1e-5, initializer_range=0.08,
                **GPT2_VOCAB)
    base.update(cfg)
    return make_hf(dir_, BloomForCausalLM, BloomConfig(**base), dtype=dtype, seed=seed)


def make_wordpiece_tokenizer(path, vocab_size=3000):
    """A cased multilingual-BERT-style tokenizer.json (BertNormalizer without lowercasing,
    BertPreTokenizer, WordPiece with ##, [CLS] $A [SEP] template) trained on UD text by the
    Hugging Face tokenizers library itself."""
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers
    text = []
    for lang in ("en", "de", "ru", "zh", "ar", "hi", "ja", "fr", "es"):
        p = CORPORA / "ud-pud" / f"{lang}.txt"
        if p.exists():
            text += p.read_text(encoding="utf-8").splitlines()[:300]
    tok = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tok.normalizer = normalizers.BertNormalizer(clean_text=True, handle_chinese_chars=True, strip_accents=False,
                                                lowercase=False)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    tok.train_from_iterator(text, trainers.WordPieceTrainer(vocab_size=vocab_size, special_tokens=specials))
    cls, sep = tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]")
    tok.post_processor = processors.TemplateProcessing(single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1",
                                                       special_tokens=[("[CLS]", cls), ("[SEP]", sep)])
    tok.decoder = decoders.WordPiece()
    tok.save(str(path))
    return Tokenizer.from_file(str(path))


def make_bert(dir_, tokenizer_json, *, dtype=torch.float32, seed=0, **cfg):
    """A random-weight BertForMaskedLM (shaped like bert-base-multilingual-cased, scaled down)
    with the given WordPiece tokenizer.json beside it."""
    from tokenizers import Tokenizer
    from transformers import BertConfig, BertForMaskedLM
    tok = Tokenizer.from_file(str(tokenizer_json))
    base = dict(vocab_size=tok.get_vocab_size(), hidden_size=64, num_hidden_layers=2, num_attention_heads=4,
                intermediate_size=256, max_position_embeddings=512, type_vocab_size=2, hidden_act="gelu",
                layer_norm_eps=1e-12, initializer_range=0.08, pad_token_id=tok.token_to_id("[PAD]"))
    base.update(cfg)
    torch.manual_seed(seed)
    model = BertForMaskedLM(BertConfig(**base)).eval()
    with torch.no_grad():
        for _, p in model.named_parameters():
            if p.ndim == 1:
                p.add_(torch.randn_like(p) * 0.1)
    dir_ = Path(dir_)
    model.to(dtype).save_pretrained(dir_, safe_serialization=True)
    shutil.copy(tokenizer_json, dir_ / "tokenizer.json")
    return BertForMaskedLM.from_pretrained(dir_, torch_dtype=torch.float32).eval()


def train_briefly(model, seqs, steps):
    """A few Adam steps (lr 1e-2, batches of 4 padded sequences, seed 0) so a random model learns
    something: quantization then hurts it, as it hurts a real one. Leaves the model in train mode."""
    torch.manual_seed(0)
    model.train()
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    for _ in range(steps):
        batch = [seqs[i] for i in torch.randperm(len(seqs))[:4]]
        n = max(map(len, batch))
        ids = torch.tensor([s + [0] * (n - len(s)) for s in batch])
        mask = torch.tensor([[1] * len(s) + [0] * (n - len(s)) for s in batch])
        loss = model(ids, attention_mask=mask, labels=ids.masked_fill(mask == 0, -100)).loss
        opt.zero_grad()
        loss.backward()
        opt.step()
