"""Generation jobs on the demo account, warm model: one ad group per step (the naive way: 3 prompts per batch)
against the default step of up to 4 ad groups (their 6-12 prompts share the model's batches).

Runs on its own SQLite database under a temporary VAR_DIR (the converted model in var/models is linked, not copied).
Prints a table and writes bench/results/generation_jobs.json.

    .venv/bin/python bench/generation_jobs_bench.py
"""

from __future__ import annotations

import json
import os
import platform
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CAMPAIGNS = ("Cemento - Búsqueda", "Ladrillos - Búsqueda")  # two ad groups each
PRODUCT = "Materiales de construcción para profesionales y particulares, con entrega en obra en 24 horas."


def setup() -> None:
    work = Path(tempfile.mkdtemp(prefix="bench-jobs-"))
    (work / "models").symlink_to(ROOT / "var" / "models")
    os.environ["VAR_DIR"] = str(work)
    os.environ.pop("DATABASE_URL", None)
    os.environ["CELERY_BROKER_URL"] = "memory://"  # create_job queues the task; the bench runs the job itself
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def run_mode(organization, groups_per_step: int, batcher, embedder) -> dict:
    from campaigns.models import Campaign, GenerationJob, Suggestion
    from campaigns.services.generation_jobs import create_job, run_job

    Suggestion.objects.all().delete()  # the same starting point for every mode (dedupe sees no earlier run)
    GenerationJob.objects.all().delete()
    jobs, started = [], time.perf_counter()
    for name in CAMPAIGNS:
        campaign = Campaign.objects.get(organization=organization, name=name)
        job = create_job(organization, campaign.pk, product_text=PRODUCT)
        job_started = time.perf_counter()
        job = run_job(job.pk, batcher=batcher, embedder=embedder, groups_per_step=groups_per_step)
        jobs.append(
            {
                "campaign": name,
                "ad_groups": job.total_requests,
                "status": job.status,
                "seconds": round(time.perf_counter() - job_started, 2),
                "tokens": job.tokens_generated,
                "suggestions": Suggestion.objects.filter(job=job).count(),
            }
        )
    wall = time.perf_counter() - started
    tokens = sum(job["tokens"] for job in jobs)
    return {
        "mode": f"{groups_per_step} ad group(s) per step",
        "groups_per_step": groups_per_step,
        "wall_s": round(wall, 2),
        "tokens": tokens,
        "tokens_per_s": round(tokens / wall, 2),
        "ad_groups_per_min": round(60 * sum(job["ad_groups"] for job in jobs) / wall, 2),
        "suggestions": sum(job["suggestions"] for job in jobs),
        "jobs": jobs,
    }


def main() -> None:
    setup()
    import datetime as dt

    import torch

    from campaigns.services import generating
    from campaigns.services.demo import seed_demo
    from campaigns.services.matching import shared_embedder

    organization = seed_demo(seed=7, days=3, end=dt.date(2026, 11, 25))
    started = time.perf_counter()
    batcher, embedder = generating.worker_batcher(), shared_embedder()
    embedder.encode(["warm up"])
    load_s = time.perf_counter() - started
    results = [run_mode(organization, 1, batcher, embedder), run_mode(organization, 4, batcher, embedder)]
    print(f"model + embedder load: {load_s:.1f} s; torch threads {torch.get_num_threads()}")
    print(f"{'mode':<26}{'wall s':>9}{'tokens':>8}{'tok/s':>8}{'groups/min':>12}{'saved':>7}")
    for row in results:
        print(
            f"{row['mode']:<26}{row['wall_s']:>9}{row['tokens']:>8}{row['tokens_per_s']:>8}"
            f"{row['ad_groups_per_min']:>12}{row['suggestions']:>7}"
        )
    speedup = round(results[0]["wall_s"] / results[1]["wall_s"], 2)
    print(f"batched steps vs one ad group per step: {speedup}x wall time")
    out = {
        "machine": {
            "cpu_count": os.cpu_count(),
            "platform": platform.platform(),
            "torch_threads": torch.get_num_threads(),
            "note": "2 cores shared with other work while measured",
        },
        "model": batcher.loaded.name,
        "quantization": batcher.loaded.quantization,
        "campaigns": CAMPAIGNS,
        "model_load_s": round(load_s, 2),
        "results": results,
        "speedup_wall": speedup,
    }
    path = ROOT / "bench" / "results" / "generation_jobs.json"
    path.write_text(json.dumps(out, indent=2, ensure_ascii=False) + "\n")
    print(f"wrote {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
