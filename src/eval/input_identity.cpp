#include "eval/input_identity.h"

#include "core/content_hash.h"

namespace lq {

std::string corpus_hash(const Corpus& corpus) {
  ContentHash h;
  h.text("langquant-corpus-1");
  h.u64(corpus.languages.size());
  for (const auto& l : corpus.languages) {
    h.text(l.code);
    h.u64(l.sentences.size());
    for (const auto& s : l.sentences) h.text(s);
  }
  return h.hex();
}

std::string units_hash(const UnitSet& units) {
  ContentHash h;
  h.text("langquant-units-1");
  h.u64(static_cast<uint64_t>(units.n_ctx));
  h.u64(units.bos);
  h.u64(static_cast<uint64_t>(static_cast<int64_t>(units.mask_id)));
  h.u64(units.units.size());
  for (const auto& u : units.units) {
    h.u64(static_cast<uint64_t>(u.lang));
    h.u64(static_cast<uint64_t>(u.first_scored));
    h.u64(static_cast<uint64_t>(units.scored_end(u)));
    h.u64(u.ids.size());
    h.bytes(u.ids.data(), u.ids.size() * sizeof(int32_t));
  }
  return h.hex();
}

}  // namespace lq
