// Test-only tool for tests/oracle/test_bpe_trainer.py:
//   bpe_train_tool train OUT.json VOCAB_SIZE MIN_FREQUENCY FILE...   trains on every line of the
//       files (each line one text, newline removed) and writes the tokenizer.json
//   bpe_train_tool encode TOKENIZER.json FILE    one line of space-separated ids per input line
// It calls lq::train_byte_level_bpe and lq::load_tokenizer directly, so the oracle test needs
// neither the full CLI nor a model.
#include <chrono>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "core/error.h"
#include "tokenizers/bpe_trainer.h"
#include "tokenizers/tokenizer.h"

namespace {

std::vector<std::string> read_lines(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) lq::fail(path, "cannot open");
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

int run(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "";
  if (mode == "train" && argc >= 6) {
    std::vector<std::string> texts;
    for (int i = 5; i < argc; ++i) {
      auto lines = read_lines(argv[i]);
      texts.insert(texts.end(), lines.begin(), lines.end());
    }
    lq::BpeTrainerOptions opt;
    opt.vocab_size = std::stoi(argv[3]);
    opt.min_frequency = std::stoi(argv[4]);
    const auto t0 = std::chrono::steady_clock::now();
    const auto json = lq::train_byte_level_bpe(texts, opt);
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::ofstream(argv[2], std::ios::binary) << json.dump();
    std::cerr << "trained in " << s << " s\n";
    return 0;
  }
  if (mode == "encode" && argc == 4) {
    const auto tokenizer = lq::load_tokenizer(argv[2]);
    std::string out;
    for (const auto& line : read_lines(argv[3])) {
      const auto ids = tokenizer->encode(line);
      for (size_t i = 0; i < ids.size(); ++i) out += (i ? " " : "") + std::to_string(ids[i]);
      out += '\n';
    }
    std::cout << out;
    return 0;
  }
  std::cerr << "usage: bpe_train_tool train OUT.json VOCAB MIN_FREQ FILE... | encode TOKENIZER.json FILE\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << e.what() << "\n";
    return 1;
  }
}
