// What a stored result records about the checkpoint it came from, so that a store or a
// resumable run refuses to mix results from two models.
//
// The hash covers the architecture, config.json as parsed (a GGUF's hyper-parameters are its
// config), the tensor table (stored name, canonical name, dtype, shape, byte size) and samples
// of every tensor's bytes: its first and last 4 KiB and 16 windows of 64 bytes spread evenly
// between. Why samples, not a content hash of every byte: a 27B checkpoint is 50 GB, which
// would cost minutes of reading before every run and every resume, while a different model
// (another size, another fine-tune, another quantization) differs in the table or in every
// tensor's bytes, so a few pages per tensor tell them apart in milliseconds. Why not file
// sizes and mtimes: a copied or re-downloaded identical checkpoint must still resume its
// store (a changed mtime under a running job is caught separately, see
// check_mapped_files_unchanged in core/mapped_file.h). An edit of a few weights in the middle
// of one tensor can escape the samples; that is the price of not reading 50 GB.
#pragma once
#include <string>

#include "model/model.h"

namespace lq {

// 32 hex digits (core/content_hash.h).
std::string model_identity(const Model& model);

}  // namespace lq
