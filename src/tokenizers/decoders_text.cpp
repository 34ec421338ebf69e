#include "tokenizers/decoders_text.h"

#include "core/utf8.h"
#include "tokenizers/unicode.h"

namespace lq::tok {
namespace {

// Every occurrence of `from` in text replaced by `to`.
std::string replace_all(std::string_view text, std::string_view from, std::string_view to) {
  std::string out;
  out.reserve(text.size());
  size_t done = 0;
  for (size_t at = text.find(from); !from.empty() && at != std::string_view::npos; at = text.find(from, done)) {
    out.append(text.substr(done, at - done));
    out.append(to);
    done = at + from.size();
  }
  out.append(text.substr(done));
  return out;
}

// The byte a token such as "<0xE4>" stands for: Rust's u8::from_str_radix(.., 16) on the two
// characters after "<0x" (which also accepts lowercase and a leading '+').
std::optional<unsigned char> byte_token(std::string_view token) {
  if (token.size() != 6 || token.substr(0, 3) != "<0x" || token[5] != '>') return std::nullopt;
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  const int hi = hex(token[3]), lo = hex(token[4]);
  if (token[3] == '+' && lo >= 0) return static_cast<unsigned char>(lo);
  if (hi < 0 || lo < 0) return std::nullopt;
  return static_cast<unsigned char>(hi * 16 + lo);
}

}  // namespace

MetaspaceDecoder::MetaspaceDecoder(char32_t replacement, bool strip_first)
    : replacement_(encode_utf8(replacement)), strip_first_(strip_first) {}

void MetaspaceDecoder::decode_chain(std::vector<std::string>& tokens) const {
  for (size_t i = 0; i < tokens.size(); ++i) {
    tokens[i] = replace_all(tokens[i], replacement_, i == 0 && strip_first_ ? "" : " ");
  }
}

std::string MetaspaceDecoder::token_bytes(std::string_view token) const { return replace_all(token, replacement_, " "); }

void WordPieceDecoder::decode_chain(std::vector<std::string>& tokens) const {
  for (size_t i = 0; i < tokens.size(); ++i) {
    std::string& token = tokens[i];
    if (i != 0) {
      if (token.compare(0, prefix_.size(), prefix_) == 0) {
        token.erase(0, prefix_.size());
      } else {
        token.insert(0, " ");
      }
    }
    if (cleanup_) {
      // BERT's detokenization rules, in its order.
      static constexpr std::pair<const char*, const char*> kRules[] = {
          {" .", "."}, {" ?", "?"}, {" !", "!"}, {" ,", ","}, {" ' ", "'"}, {" n't", "n't"},
          {" 'm", "'m"}, {" do not", " don't"}, {" 's", "'s"}, {" 've", "'ve"}, {" 're", "'re"}};
      for (const auto& [from, to] : kRules) {
        if (token.find(from) != std::string::npos) token = replace_all(token, from, to);
      }
    }
  }
}

std::string WordPieceDecoder::token_bytes(std::string_view token) const {
  if (token.substr(0, prefix_.size()) == prefix_) token.remove_prefix(prefix_.size());
  return std::string(token);
}

void ByteFallbackDecoder::decode_chain(std::vector<std::string>& tokens) const {
  std::vector<std::string> out;
  out.reserve(tokens.size());
  std::string bytes;  // the pending run of byte tokens
  auto flush = [&] {
    if (bytes.empty()) return;
    if (utf8_first_invalid(bytes) == std::string::npos) {
      out.push_back(bytes);
    } else {
      for (size_t i = 0; i < bytes.size(); ++i) out.emplace_back("\xef\xbf\xbd");
    }
    bytes.clear();
  };
  for (std::string& token : tokens) {
    if (auto byte = byte_token(token)) {
      bytes += static_cast<char>(*byte);
      continue;
    }
    flush();
    out.push_back(std::move(token));
  }
  flush();
  tokens = std::move(out);
}

std::string ByteFallbackDecoder::token_bytes(std::string_view token) const {
  if (auto byte = byte_token(token)) return std::string(1, static_cast<char>(*byte));
  return std::string(token);
}

void FuseDecoder::decode_chain(std::vector<std::string>& tokens) const {
  std::string all;
  for (const std::string& token : tokens) all += token;
  tokens.assign(1, std::move(all));
}

void StripDecoder::decode_chain(std::vector<std::string>& tokens) const {
  for (std::string& token : tokens) {
    std::vector<size_t> starts;  // byte offset of each character
    for (size_t i = 0; i < token.size();) {
      starts.push_back(i);
      decode_utf8(token, i);
    }
    const size_t n = starts.size();
    auto char_at = [&](size_t k) {
      size_t i = starts[k];
      return decode_utf8(token, i);
    };
    size_t first = 0, last = n;  // keep characters [first, last)
    while (first < std::min(start_, n) && char_at(first) == content_) ++first;
    for (size_t k = 0; k < stop_ && last > first && char_at(last - 1) == content_; ++k) --last;
    const size_t begin = first < n ? starts[first] : token.size();
    const size_t end = last < n ? starts[last] : token.size();
    token = token.substr(begin, end - begin);
  }
}

void BpeSuffixDecoder::decode_chain(std::vector<std::string>& tokens) const {
  for (size_t i = 0; i < tokens.size(); ++i) {
    tokens[i] = replace_all(tokens[i], suffix_, i + 1 == tokens.size() ? "" : " ");
  }
}

std::string BpeSuffixDecoder::token_bytes(std::string_view token) const { return replace_all(token, suffix_, " "); }

}  // namespace lq::tok
