"""Where a decode step's time goes on CUDA: torch.profiler over one batch per engine (prints the top ops).

``python bench/gpu_profile.py --model FILE.gguf --cache DIR`` on the GPU machine; development aid, no results file.
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("HF_HUB_OFFLINE", "1")


def main() -> None:
    import torch
    from torch.profiler import ProfilerActivity, profile

    from bench.generation_bench import SEED, workload
    from ml.generation.engines.base import DecodeOptions
    from ml.generation.model.loading import ModelSettings, load_model
    from ml.generation.run import run_batch

    parser = argparse.ArgumentParser()
    parser.add_argument("--model", required=True)
    parser.add_argument("--cache", required=True)
    args = parser.parse_args()
    loaded = load_model(ModelSettings(path=args.model, cache_dir=args.cache, quantization="bf16", device="cuda"))
    items = [item for _, item in workload(loaded.tokenizer, 32)]
    run_batch(loaded, items[:4], seed=SEED)
    for engine, batch in (("loop", 1), ("generate", 1), ("loop", 32), ("generate", 32)):
        torch.cuda.synchronize()
        t0 = time.perf_counter()
        done = run_batch(loaded, items[:batch], seed=SEED, options=DecodeOptions(engine=engine))
        torch.cuda.synchronize()
        wall = time.perf_counter() - t0
        print(f"== {engine} batch {batch}: {sum(c.new_tokens for c in done)} tokens in {wall:.2f} s", flush=True)
        with profile(activities=[ProfilerActivity.CPU, ProfilerActivity.CUDA]) as prof:
            run_batch(loaded, items[:batch], seed=SEED, options=DecodeOptions(engine=engine))
            torch.cuda.synchronize()
        print(prof.key_averages().table(sort_by="cpu_time_total", row_limit=18, max_name_column_width=60), flush=True)


if __name__ == "__main__":
    main()
