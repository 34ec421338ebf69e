#include "analysis/language_metadata.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "core/error.h"

namespace lq::analysis {
namespace {

// script: ISO 15924; family and branch: the top-level family and its branch (Glottolog's
// naming); resource: see language_metadata.h.
constexpr const char* kBuiltin = R"(code	name	script	family	branch	resource
ar	Arabic	Arab	Afro-Asiatic	Semitic	low
bn	Bengali	Beng	Indo-European	Indo-Aryan	low
cs	Czech	Latn	Indo-European	Slavic	low
de	German	Latn	Indo-European	Germanic	high
el	Greek	Grek	Indo-European	Hellenic	low
en	English	Latn	Indo-European	Germanic	high
es	Spanish	Latn	Indo-European	Romance	high
fa	Persian	Arab	Indo-European	Iranian	low
fi	Finnish	Latn	Uralic	Finnic	low
fr	French	Latn	Indo-European	Romance	high
gl	Galician	Latn	Indo-European	Romance	low
he	Hebrew	Hebr	Afro-Asiatic	Semitic	low
hi	Hindi	Deva	Indo-European	Indo-Aryan	low
id	Indonesian	Latn	Austronesian	Malayo-Polynesian	low
is	Icelandic	Latn	Indo-European	Germanic	low
it	Italian	Latn	Indo-European	Romance	high
ja	Japanese	Jpan	Japonic	Japanese	high
ko	Korean	Kore	Koreanic	Korean	low
nl	Dutch	Latn	Indo-European	Germanic	high
pl	Polish	Latn	Indo-European	Slavic	low
pt	Portuguese	Latn	Indo-European	Romance	high
ro	Romanian	Latn	Indo-European	Romance	low
ru	Russian	Cyrl	Indo-European	Slavic	high
sv	Swedish	Latn	Indo-European	Germanic	low
sw	Swahili	Latn	Atlantic-Congo	Bantu	low
th	Thai	Thai	Tai-Kadai	Tai	low
tr	Turkish	Latn	Turkic	Oghuz	low
uk	Ukrainian	Cyrl	Indo-European	Slavic	low
ur	Urdu	Arab	Indo-European	Indo-Aryan	low
vi	Vietnamese	Latn	Austroasiatic	Vietic	low
zh	Chinese	Hans	Sino-Tibetan	Sinitic	high
)";

constexpr size_t kMaxColumns = 64, kMaxRows = 100000, kMaxCell = 256;

std::vector<std::string> split_tabs(const std::string& line) {
  std::vector<std::string> out(1);
  for (char c : line) {
    if (c == '\t') out.emplace_back();
    else if (c != '\r') out.back() += c;
  }
  return out;
}

bool valid_code(const std::string& c) {
  return !c.empty() && c.size() <= 32 && std::all_of(c.begin(), c.end(), [](unsigned char ch) {
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '-' || ch == '_';
  });
}

}  // namespace

LanguageTable LanguageTable::builtin() {
  LanguageTable t;
  t.merge(kBuiltin, "langquant's built-in language table");
  return t;
}

LanguageTable LanguageTable::with_overrides(LanguageTable base, const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(path, "cannot open the language table");
  std::stringstream ss;
  ss << in.rdbuf();
  base.merge(ss.str(), path);
  return base;
}

void LanguageTable::merge(const std::string& text, const std::string& source) {
  std::istringstream in(text);
  std::string line;
  std::vector<std::string> header;
  int line_no = 0;
  size_t rows = 0;
  while (std::getline(in, line)) {
    ++line_no;
    const std::string where = source + ":" + std::to_string(line_no);
    if (line.empty() || line == "\r" || line[0] == '#') continue;
    const auto f = split_tabs(line);
    if (header.empty()) {
      if (f[0] != "code") fail(where, "the header's first column must be 'code' (tab-separated columns)");
      if (f.size() > kMaxColumns) fail(where, std::to_string(f.size()) + " columns (at most 64)");
      for (size_t i = 0; i < f.size(); ++i) {
        if (f[i].empty() || f[i].size() > 64) fail(where, "column " + std::to_string(i + 1) + " has no name or a name over 64 bytes");
        if (std::count(f.begin(), f.begin() + static_cast<long>(i), f[i])) fail(where, "column '" + f[i] + "' twice");
      }
      header = f;
      for (const auto& c : header)
        if (!has_column(c)) columns_.push_back(c);
      continue;
    }
    if (f.size() != header.size())
      fail(where, std::to_string(f.size()) + " fields, the header has " + std::to_string(header.size()));
    if (!valid_code(f[0])) fail(where, "language code '" + f[0].substr(0, 40) + "' is not letters, digits, '-' or '_'");
    if (++rows > kMaxRows) fail(where, "more than 100,000 languages");
    auto& row = cells_[f[0]];
    if (row.empty()) codes_.push_back(f[0]);
    for (size_t i = 0; i < f.size(); ++i) {
      if (f[i].size() > kMaxCell) fail(where, "cell '" + header[i] + "' is over 256 bytes");
      if (!f[i].empty()) row[header[i]] = f[i];
    }
  }
  if (header.empty()) fail(source, "no header line (code<TAB>column...)");
}

std::string LanguageTable::get(const std::string& code, const std::string& column) const {
  auto r = cells_.find(code);
  if (r == cells_.end()) return "";
  auto c = r->second.find(column);
  return c == r->second.end() ? "" : c->second;
}

bool LanguageTable::has_column(const std::string& column) const {
  return std::find(columns_.begin(), columns_.end(), column) != columns_.end();
}

std::string LanguageTable::to_tsv() const {
  std::string out;
  for (size_t i = 0; i < columns_.size(); ++i) out += (i ? "\t" : "") + columns_[i];
  out += "\n";
  for (const auto& code : codes_) {
    for (size_t i = 0; i < columns_.size(); ++i) out += (i ? "\t" : "") + get(code, columns_[i]);
    out += "\n";
  }
  return out;
}

}  // namespace lq::analysis
