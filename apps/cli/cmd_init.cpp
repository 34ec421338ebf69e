// langquant init: a new random-weight checkpoint, for demos, benchmarks and tests.
#include <filesystem>

#include "cli/commands.h"
#include "core/error.h"
#include "model/init_random.h"
#include "tokenizers/tokenizer.h"

namespace lq::cli {
namespace {

struct InitArgs {
  RandomInitOptions opt;
  std::string out, tokenizer, dtype = "f32";
  int64_t layers = 2, hidden = 64, heads = 4, kv_heads = 0, ffn = 0, context = 1024;
  bool untied = false;
};

void run_init(InitArgs a) {
  const auto tok = load_tokenizer(a.tokenizer);
  HParams& h = a.opt.hparams;
  h.n_layer = a.layers;
  h.n_embd = a.hidden;
  h.n_head = a.heads;
  h.n_head_kv = a.kv_heads > 0 ? a.kv_heads : a.heads;
  h.tied_output = !a.untied;
  h.n_ff = a.ffn > 0 ? a.ffn : 4 * a.hidden;
  h.n_ctx = a.context;
  h.n_vocab = static_cast<int64_t>(tok->vocab_size());
  h.activation = "";  // each architecture's own default
  h.norm_eps = 1e-5f;
  // GPT-2's convention: <|endoftext|> is both BOS and EOS when the vocabulary has it.
  if (auto eot = tok->token_to_id("<|endoftext|>")) h.bos_id = h.eos_id = *eot;
  a.opt.dtype = a.dtype == "bf16" ? DType::BF16 : a.dtype == "f16" ? DType::F16 : DType::F32;
  write_random_checkpoint(a.out, a.opt);
  const auto tok_path = std::filesystem::path(a.out) / "tokenizer.json";
  std::filesystem::copy_file(a.tokenizer, tok_path, std::filesystem::copy_options::overwrite_existing);
  std::filesystem::permissions(tok_path, std::filesystem::perms::owner_write, std::filesystem::perm_options::add);
}

}  // namespace

void register_init(CLI::App& app) {
  auto a = std::make_shared<InitArgs>();
  auto* cmd = app.add_subcommand(
      "init",
      "Create a Hugging Face checkpoint folder with random weights (N(0, std) matrices, unit norms,\n"
      "zero biases), loadable by transformers, for demos and benchmarks. Its numbers mean nothing\n"
      "about any real model.");
  cmd->add_option("--out,-o", a->out, "Folder to create")->required();
  cmd->add_option("--tokenizer", a->tokenizer, "tokenizer.json to copy in; sets the vocabulary size")
      ->required()->check(CLI::ExistingFile);
  cmd->add_option("--arch", a->opt.arch, "Architecture (model_type): gpt2 or llama");
  cmd->add_option("--layers", a->layers, "Blocks")->check(CLI::PositiveNumber);
  cmd->add_option("--hidden", a->hidden, "Hidden size")->check(CLI::PositiveNumber);
  cmd->add_option("--heads", a->heads, "Attention heads")->check(CLI::PositiveNumber);
  cmd->add_option("--kv-heads", a->kv_heads, "Key/value heads for grouped-query attention (llama; default = heads)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_flag("--untied", a->untied, "Separate output head (llama)");
  cmd->add_option("--ffn", a->ffn, "Feed-forward size (default 4 x hidden)")->check(CLI::NonNegativeNumber);
  cmd->add_option("--context", a->context, "Positions")->check(CLI::PositiveNumber);
  cmd->add_option("--dtype", a->dtype, "Stored dtype")->check(CLI::IsMember({"f32", "f16", "bf16"}));
  cmd->add_option("--std", a->opt.std, "Standard deviation of random weights");
  cmd->add_option("--seed", a->opt.seed, "Random seed");
  cmd->callback([a] { run_init(*a); });
}

}  // namespace lq::cli
