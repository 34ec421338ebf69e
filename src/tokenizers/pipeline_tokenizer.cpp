#include "tokenizers/pipeline_tokenizer.h"

#include <algorithm>

#include "core/utf8.h"

namespace lq::tok {

std::vector<int32_t> PipelineTokenizer::encode(std::string_view text, bool add_special_tokens) const {
  // tokenizers only ever sees valid text: Python callers decode bytes with errors="replace".
  std::string repaired;
  if (utf8_first_invalid(text) != std::string_view::npos) {
    repaired = utf8_replace_invalid(text);
    text = repaired;
  }

  // 1. Added tokens that match the raw text; 2. normalize the rest; 3. added tokens that
  // match the normalized text.
  std::vector<Segment> raw_split, segments;
  s_.added_tokens.split(text, /*normalized=*/false, raw_split);
  // The segment (if any) that starts the text: Metaspace's prepend_scheme "first" asks.
  const Segment* text_start = nullptr;
  for (size_t r = 0; r < raw_split.size(); ++r) {
    Segment& segment = raw_split[r];
    if (segment.added_token_id) {
      segments.push_back(std::move(segment));
      continue;
    }
    if (s_.normalizer) s_.normalizer->normalize(segment.text);
    const size_t first_new = segments.size();
    s_.added_tokens.split(segment.text, /*normalized=*/true, segments);
    if (r == 0 && segments.size() > first_new && !segments[first_new].added_token_id) text_start = &segments[first_new];
  }

  // 4. Pre-tokenize and run the model on each remaining segment.
  std::vector<int32_t> ids;
  Pieces pieces;
  for (Segment& segment : segments) {
    if (segment.added_token_id) {
      ids.push_back(*segment.added_token_id);
      continue;
    }
    bool first_at_start = &segment == text_start;
    pieces.assign(1, std::move(segment.text));
    if (s_.pre_tokenizer) s_.pre_tokenizer->pre_tokenize(pieces, first_at_start);
    for (const std::string& piece : pieces) s_.model->tokenize(piece, ids);
  }
  if (s_.post_processor) s_.post_processor->process(ids, add_special_tokens);
  return ids;
}

std::optional<std::string> PipelineTokenizer::id_to_token(int32_t id) const {
  if (const AddedToken* added = s_.added_tokens.find_by_id(id)) return added->content;
  return s_.model->id_to_token(id);
}

std::string PipelineTokenizer::decode(const std::vector<int32_t>& ids, bool skip_special_tokens) const {
  std::vector<std::string> tokens;
  tokens.reserve(ids.size());
  for (const int32_t id : ids) {
    const AddedToken* added = s_.added_tokens.find_by_id(id);
    if (added && added->special && skip_special_tokens) continue;
    if (auto token = id_to_token(id)) tokens.push_back(std::move(*token));  // unknown ids vanish
  }
  if (!s_.decoder) {  // tokenizers joins with spaces when there is no decoder
    std::string text;
    for (size_t i = 0; i < tokens.size(); ++i) text += (i ? " " : "") + tokens[i];
    return text;
  }
  s_.decoder->decode_chain(tokens);
  std::string text;
  for (const std::string& token : tokens) text += token;
  return text;
}

std::string PipelineTokenizer::token_text(int32_t id) const { return id_to_token(id).value_or(""); }

std::string PipelineTokenizer::token_bytes(int32_t id) const {
  const AddedToken* added = s_.added_tokens.find_by_id(id);
  if (added && added->special) return "";
  const auto token = id_to_token(id);
  if (!token) return "";
  return s_.decoder ? s_.decoder->token_bytes(*token) : *token;
}

std::optional<int32_t> PipelineTokenizer::token_to_id(std::string_view token) const {
  if (auto id = s_.added_tokens.find_by_content(token)) return id;
  return s_.model->token_to_id(token);
}

size_t PipelineTokenizer::vocab_size() const {
  // Like tokenizers' get_vocab_size(with_added_tokens=True): the model's vocab plus the added
  // tokens it does not already hold.
  size_t size = s_.model->vocab_size();
  for (const AddedToken& token : s_.added_tokens.tokens()) {
    if (!s_.model->token_to_id(token.content)) ++size;
  }
  return size;
}

}  // namespace lq::tok
