// langquant train: a GPT-2 trained from scratch on a weighted language mix (train/trainer.h).
#include <iostream>

#include "cli/commands.h"
#include "train/trainer.h"

namespace lq::cli {
namespace {

struct TrainArgs {
  train::TrainConfig cfg;
  double sample_mb = 2.0;
  ComputeOptions compute;
};

void run_train(TrainArgs a) {
  const int threads = apply_threads(a.compute);
  a.cfg.quiet = a.compute.quiet;
  a.cfg.tokenizer_sample_bytes = static_cast<int64_t>(a.sample_mb * 1e6);
  const train::TrainSummary s = train::run_training(a.cfg);
  if (!a.compute.quiet)
    std::cerr << "trained steps " << s.first_step << ".." << s.last_step << " of a " << s.parameters
              << "-parameter GPT-2 on " << threads << " threads: " << static_cast<int64_t>(s.tokens_per_second)
              << " tokens/s, last logged loss " << s.last_loss << "\n";
}

}  // namespace

void register_train(CLI::App& app) {
  auto a = std::make_shared<TrainArgs>();
  train::TrainConfig& c = a->cfg;
  auto* cmd = app.add_subcommand(
      "train",
      "Train a GPT-2 (Hugging Face GPT2LMHeadModel) from scratch on a weighted language mix.\n"
      "MIX.toml lists [[source]] tables: lang = \"en\", files = [\"en.txt\", ...] (relative to the\n"
      "MIX file), weight = 70 (relative). Sequences are windows of --ctx tokens of one language's\n"
      "lines packed end to end (<|endoftext|> between lines), the language drawn by weight.\n"
      "AdamW (weight decay on matrices and embeddings only), linear warmup then cosine decay to\n"
      "--min-lr, global-norm clipping. Writes OUT/step-NNNNNN/ (a Hugging Face checkpoint plus\n"
      "optimizer state) at --save-at steps and the last step, OUT/train_log.jsonl (loss per\n"
      "language), OUT/tokenizer.json. Same --seed and --threads give the same bytes; --resume\n"
      "continues an interrupted run from its last checkpoint exactly.");
  cmd->add_option("--mix", c.mix_path, "MIX.toml: languages, files, weights")->required()->check(CLI::ExistingFile);
  cmd->add_option("--out,-o", c.out_dir, "Output folder")->required();
  cmd->add_option("--tokenizer", c.tokenizer_path,
                  "tokenizer.json to use (default: train a byte-level BPE on a sample of the mix)")
      ->check(CLI::ExistingFile);
  cmd->add_option("--vocab-size", c.vocab_size, "Vocabulary of a trained tokenizer")->capture_default_str();
  cmd->add_option("--tokenizer-sample-mb", a->sample_mb, "Text to train the tokenizer on (MB, split by weight)")
      ->capture_default_str();
  cmd->add_option("--layers", c.layers, "Blocks")->check(CLI::PositiveNumber)->capture_default_str();
  cmd->add_option("--d-model", c.d_model, "Hidden size")->check(CLI::PositiveNumber)->capture_default_str();
  cmd->add_option("--heads", c.heads, "Attention heads")->check(CLI::PositiveNumber)->capture_default_str();
  cmd->add_option("--ctx", c.ctx, "Sequence length = n_positions")->check(CLI::PositiveNumber)->capture_default_str();
  cmd->add_option("--batch", c.batch, "Sequences per step")->check(CLI::PositiveNumber)->capture_default_str();
  cmd->add_option("--steps", c.steps, "Optimizer steps")->check(CLI::PositiveNumber)->capture_default_str();
  cmd->add_option("--warmup", c.warmup, "Linear warmup steps (default: min(100, steps / 10))");
  cmd->add_option("--lr", c.lr, "Peak learning rate")->capture_default_str();
  cmd->add_option("--min-lr", c.min_lr, "Learning rate the cosine decays to")->capture_default_str();
  cmd->add_option("--clip", c.clip, "Global gradient-norm limit")->capture_default_str();
  cmd->add_option("--weight-decay", c.adam.weight_decay, "AdamW decoupled weight decay")->capture_default_str();
  cmd->add_option("--beta1", c.adam.beta1, "AdamW beta1")->capture_default_str();
  cmd->add_option("--beta2", c.adam.beta2, "AdamW beta2")->capture_default_str();
  cmd->add_option("--eps", c.adam.eps, "AdamW eps")->capture_default_str();
  cmd->add_option("--seed", c.seed, "Seed of initialisation, batches and tokenizer sample")->capture_default_str();
  cmd->add_option("--save-at", c.save_at, "Steps to checkpoint at, e.g. 100,500 (0: the initial weights)")
      ->delimiter(',');
  cmd->add_flag("--resume", c.resume, "Continue from the last checkpoint in --out");
  cmd->add_option("--log-every", c.log_every, "Steps between log lines")->capture_default_str();
  cmd->add_option("--stop-after", c.stop_after)->group("");  // test hook: simulated interruption
  cmd->add_option("--dump-batches", c.dump_batches)->group("");  // test hook: the sampled batches
  add_compute_options(*cmd, a->compute);
  cmd->callback([a] { run_train(*a); });
}

}  // namespace lq::cli
