"""The fine-tuning recipes `tools/bench.py` compares, one file each. Each
module has `run(workload) -> dict` and is run in its own process."""
