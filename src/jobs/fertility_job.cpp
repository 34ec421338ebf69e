#include "jobs/fertility_job.h"

#include "core/number_text.h"
#include "core/schema_version.h"
#include "eval/corpus.h"
#include "jobs/output_files.h"
#include "model/checkpoint.h"

namespace lq::jobs {

using json = nlohmann::json;

FertilityResult run_fertility(const FertilitySpec& s, const JobProgress& progress) {
  OutputFiles outputs({s.json, s.csv, s.md});  // an unwritable path fails before the work
  const auto tok = open_tokenizer_at(s.model);
  Corpus corpus = load_corpus(s.corpus, s.langs);
  for (auto& l : corpus.languages)
    if (s.sentences > 0 && static_cast<int>(l.sentences.size()) > s.sentences) l.sentences.resize(s.sentences);
  progress.say("counting tokens, words, characters and bytes of " + std::to_string(corpus.languages.size()) +
               " languages");
  FertilityResult r;
  r.spec = s;
  r.languages = analysis::token_fertility(corpus, *tok, s.ref);
  const std::string texts[] = {r.to_json().dump(2) + "\n", r.to_csv(), r.to_markdown()};
  for (size_t i = 0; i < 3; ++i)
    if (outputs.has(i)) outputs.write(i, texts[i]);
  outputs.commit();
  return r;
}

json FertilityResult::to_json() const {
  json langs = json::array();
  for (const auto& f : languages)
    langs.push_back({{"lang", f.lang}, {"sentences", f.sentences}, {"tokens", f.tokens}, {"words", f.words},
                     {"chars", f.chars}, {"bytes", f.bytes}, {"tokens_per_word", f.tokens_per_word},
                     {"tokens_per_char", f.tokens_per_char}, {"bytes_per_token", f.bytes_per_token},
                     {"premium", f.premium ? json(*f.premium) : json()}});
  json j = {{"model", spec.model}, {"corpus", spec.corpus}, {"ref", spec.ref},
            {"definitions",
             {{"tokens", "tokenizer ids of each sentence encoded alone, without special tokens"},
              {"words", "ICU word-boundary segments that are words (letters, numbers, kana, ideographs)"},
              {"chars", "Unicode code points"},
              {"premium", "tokens / the reference language's tokens on the same sentences (parallel corpus only)"}}},
            {"languages", langs}};
  stamp_schema_version(j, kSchemaVersion);
  return j;
}

std::string FertilityResult::to_csv() const {
  std::string out = "lang,sentences,tokens,words,chars,bytes,tokens_per_word,tokens_per_char,bytes_per_token,premium\n";
  for (const auto& f : languages)
    out += f.lang + "," + std::to_string(f.sentences) + "," + std::to_string(f.tokens) + "," +
           std::to_string(f.words) + "," + std::to_string(f.chars) + "," + std::to_string(f.bytes) + "," +
           format_number(f.tokens_per_word, "%.6g") + "," + format_number(f.tokens_per_char, "%.6g") + "," +
           format_number(f.bytes_per_token, "%.6g") + "," + (f.premium ? format_number(*f.premium, "%.6g") : "") +
           "\n";
  return out;
}

std::string FertilityResult::to_markdown() const {
  std::string out = "# Token fertility: " + spec.model + " on " + spec.corpus + "\n\n" +
                    "Tokens per word (ICU word boundaries), per character and bytes per token; premium = tokens "
                    "relative to " + spec.ref + " on the same sentences (parallel corpora only).\n\n"
                    "| language | sentences | tokens | tokens/word | tokens/char | bytes/token | premium |\n"
                    "|---|---:|---:|---:|---:|---:|---:|\n";
  for (const auto& f : languages)
    out += "| " + f.lang + " | " + std::to_string(f.sentences) + " | " + std::to_string(f.tokens) + " | " +
           format_number(f.tokens_per_word, "%.3f") + " | " + format_number(f.tokens_per_char, "%.3f") + " | " +
           format_number(f.bytes_per_token, "%.2f") + " | " +
           (f.premium ? format_number(*f.premium, "%.2f") + "x" : f.lang == spec.ref ? "1 (ref)" : "") + " |\n";
  return out;
}

}  // namespace lq::jobs
