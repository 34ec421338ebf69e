#include "eval/units.h"

#include <algorithm>

#include "core/error.h"
#include "core/utf8.h"

namespace lq {
namespace {
// Characters of one token's bytes, counted where each character starts (bytes that are not
// UTF-8 continuation bytes). A byte-level token may hold part of a character; counting its
// bytes with utf8_count_chars would count every such fragment as a character of its own.
// Corpus text is valid UTF-8, so summed over consecutive tokens this is exact.
int64_t token_chars(const std::string& b) {
  int64_t n = 0;
  for (unsigned char c : b) n += (c & 0xC0) != 0x80;
  return n;
}
}  // namespace

int32_t mask_token_id(const Tokenizer& tok) {
  for (const char* name : {"[MASK]", "<mask>"})
    if (auto id = tok.token_to_id(name)) return *id;
  fail("tokenizer", "masked language model, but the tokenizer has no [MASK] or <mask> token");
}

Unit make_masked_unit(const std::string& text, const Tokenizer& tok, int64_t n_ctx, bool* truncated) {
  Unit u;
  const auto plain = tok.encode(text, false);
  const auto full = tok.encode(text, true);
  // Where the sentence's tokens sit inside the post-processor's template.
  const auto n = static_cast<int64_t>(plain.size());
  int64_t offset = -1;
  for (int64_t k = 0; k + n <= static_cast<int64_t>(full.size()) && offset < 0; ++k)
    if (std::equal(plain.begin(), plain.end(), full.begin() + k)) offset = k;
  if (offset < 0) fail("tokenizer", "the post-processor changes the sentence's tokens; cannot find them to score");
  const int64_t specials = static_cast<int64_t>(full.size()) - n;
  const int64_t keep = std::max<int64_t>(0, std::min(n, n_ctx - specials));
  if (truncated) *truncated = keep < n;
  u.ids.assign(full.begin(), full.begin() + offset + keep);
  u.ids.insert(u.ids.end(), full.begin() + offset + n, full.end());
  u.text_offset = u.first_scored = offset;
  u.scored_end = offset + keep;
  if (keep < n) {
    for (int64_t i = offset; i < offset + keep; ++i) {
      const std::string b = tok.token_bytes(u.ids[static_cast<size_t>(i)]);
      u.bytes += static_cast<int64_t>(b.size());
      u.chars += token_chars(b);
    }
  } else {
    u.bytes = static_cast<int64_t>(text.size());
    u.chars = static_cast<int64_t>(utf8_count_chars(text));
  }
  return u;
}

std::string mode_name(ScoreMode m) { return m == ScoreMode::Sentence ? "sentence" : "stream"; }

UnitSet make_units(const Corpus& corpus, const Tokenizer& tok, const HParams& hp, const UnitOptions& opt) {
  UnitSet set;
  set.n_ctx = opt.n_ctx > 0 ? std::min(opt.n_ctx, hp.n_ctx) : hp.n_ctx;
  if (opt.mode == ScoreMode::Stream && opt.n_ctx <= 0) set.n_ctx = std::min<int64_t>(set.n_ctx, 1024);
  if (set.n_ctx < 2) fail("--ctx", "context must be at least 2 tokens");
  // Only sentence mode prepends BOS; stream windows are plain slices of the token stream.
  set.bos = opt.mode == ScoreMode::Sentence && opt.add_bos && hp.bos_id.has_value();
  if (hp.masked_lm) {
    if (opt.mode != ScoreMode::Sentence)
      fail("--mode", "a masked language model is scored by pseudo-log-likelihood, in sentence mode only");
    set.bos = false;
    set.mask_id = mask_token_id(tok);
    for (size_t li = 0; li < corpus.languages.size(); ++li)
      for (size_t si = 0; si < corpus.languages[li].sentences.size(); ++si) {
        bool cut = false;
        Unit u = make_masked_unit(corpus.languages[li].sentences[si], tok, set.n_ctx, &cut);
        u.lang = static_cast<int>(li);
        u.index = static_cast<int>(si);
        set.truncated += cut;
        if (set.scored_end(u) > u.first_scored) set.units.push_back(std::move(u));
      }
    return set;
  }
  for (size_t li = 0; li < corpus.languages.size(); ++li) {
    const LanguageText& lt = corpus.languages[li];
    if (opt.mode == ScoreMode::Sentence) {
      for (size_t si = 0; si < lt.sentences.size(); ++si) {
        Unit u;
        u.lang = static_cast<int>(li);
        u.index = static_cast<int>(si);
        if (set.bos) u.ids.push_back(*hp.bos_id);
        u.text_offset = static_cast<int64_t>(u.ids.size());
        const auto ids = tok.encode(lt.sentences[si]);
        u.ids.insert(u.ids.end(), ids.begin(), ids.end());
        u.first_scored = 1;
        if (static_cast<int64_t>(u.ids.size()) > set.n_ctx) {
          u.ids.resize(static_cast<size_t>(set.n_ctx));
          ++set.truncated;
          for (size_t i = static_cast<size_t>(u.first_scored); i < u.ids.size(); ++i) {
            const std::string b = tok.token_bytes(u.ids[i]);
            u.bytes += static_cast<int64_t>(b.size());
            u.chars += token_chars(b);
          }
        } else {
          // Scored text = the sentence itself (without the unscored first token when no BOS).
          std::string text = lt.sentences[si];
          if (!set.bos && !u.ids.empty()) {
            const std::string first = tok.token_bytes(u.ids[0]);
            text = text.substr(std::min(first.size(), text.size()));
          }
          u.bytes = static_cast<int64_t>(text.size());
          u.chars = static_cast<int64_t>(utf8_count_chars(text));
        }
        if (static_cast<int64_t>(u.ids.size()) > u.first_scored) set.units.push_back(std::move(u));
      }
    } else {
      std::string joined;
      for (const auto& s : lt.sentences) joined += (joined.empty() ? "" : "\n") + s;
      const auto ids = tok.encode(joined);
      const int64_t W = set.n_ctx;
      if (static_cast<int64_t>(ids.size()) < W)
        fail(lt.sources.front(), "language '" + lt.code + "' has " + std::to_string(ids.size()) +
                                     " tokens, fewer than one stream window of " + std::to_string(W) +
                                     " (use --ctx or sentence mode)");
      for (int64_t w = 0; (w + 1) * W <= static_cast<int64_t>(ids.size()); ++w) {
        Unit u;
        u.lang = static_cast<int>(li);
        u.index = static_cast<int>(w);
        u.ids.assign(ids.begin() + w * W, ids.begin() + (w + 1) * W);
        u.first_scored = W / 2;
        u.text_offset = 0;
        for (int64_t i = u.first_scored; i < W; ++i) {
          const std::string b = tok.token_bytes(u.ids[static_cast<size_t>(i)]);
          u.bytes += static_cast<int64_t>(b.size());
          u.chars += token_chars(b);
        }
        set.units.push_back(std::move(u));
      }
    }
  }
  return set;
}

}  // namespace lq
