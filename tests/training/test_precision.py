"""What train.precision="auto" chooses, and that a run records the choice."""

import json
import os

import pytest

from tfft import run_folder
from tfft.config import default_config
from tfft.training import precision

NO_BF16 = {"fpu", "sse2", "avx2", "avx512f"}


@pytest.mark.parametrize("facts, policy, reason", [
    (dict(tpu=True, gpu_capabilities=[(7, 0)], cpu_flags=NO_BF16),
     "mixed_bfloat16", "TPU"),
    (dict(tpu=False, gpu_capabilities=[(8, 0), (9, 0)], cpu_flags=NO_BF16),
     "mixed_bfloat16", "capability 8.0 (Ampere or later)"),
    # The oldest GPU decides: a step waits for every replica.
    (dict(tpu=False, gpu_capabilities=[(8, 6), (7, 5)],
          cpu_flags={"avx512_bf16"}),
     "float32", "capability 7.5 is older than Ampere"),
    (dict(tpu=False, gpu_capabilities=[], cpu_flags=NO_BF16 | {"amx_bf16"}),
     "mixed_bfloat16", "amx_bf16"),
    (dict(tpu=False, gpu_capabilities=[],
          cpu_flags=NO_BF16 | {"avx512_bf16"}),
     "mixed_bfloat16", "avx512_bf16"),
    (dict(tpu=False, gpu_capabilities=[], cpu_flags=NO_BF16),
     "float32", "neither AMX nor AVX512-BF16"),
    (dict(tpu=False, gpu_capabilities=[], cpu_flags=set()),
     "float32", "neither"),
])
def test_auto_chooses_bfloat16_only_where_the_hardware_computes_it(
        facts, policy, reason):
    chosen, why = precision.choose(**facts)
    assert chosen == policy
    assert reason in why


def test_cpu_flags_are_read_from_cpuinfo(tmp_path):
    path = tmp_path / "cpuinfo"
    path.write_text("processor\t: 0\nmodel name\t: X\n"
                    "flags\t\t: fpu sse2 avx512f avx512_bf16\n\n"
                    "processor\t: 1\nflags\t\t: fpu\n")
    assert precision.cpu_flags(str(path)) == {"fpu", "sse2", "avx512f",
                                              "avx512_bf16"}
    assert precision.cpu_flags(str(tmp_path / "absent")) == set()


def test_an_explicit_policy_is_kept_and_auto_is_the_default():
    assert default_config().train.precision == "auto"
    for policy in ("float32", "mixed_bfloat16", "mixed_float16"):
        assert precision.resolve(policy) == (policy, "train.precision")
    config = default_config()
    config.train.strategy, config.train.tpu = "auto", "grpc://10.0.0.2:8470"
    resolved, why = precision.resolved(config)
    assert (resolved.train.precision, why) == (
        "mixed_bfloat16", "auto: a TPU computes bfloat16 natively")
    assert config.train.precision == "auto"  # the caller's is untouched


def test_a_run_records_and_uses_what_auto_chose(tiny_config, tmp_path):
    """The run folder's config holds the policy "auto" resolved to on this
    machine, and model/ reloads computing in it."""
    from tfft.inference import load_run
    from tfft.training import trainer

    expected, _ = precision.choose(**precision.machine_facts(tpu=False))
    tiny_config.train.precision = "auto"
    tiny_config.train.epochs = 1
    workdir = str(tmp_path / "run")
    trainer.train(tiny_config, workdir)
    with open(os.path.join(workdir, run_folder.CONFIG)) as f:
        assert json.load(f)["train"]["precision"] == expected
    run = load_run(workdir)
    compute = "bfloat16" if expected == "mixed_bfloat16" else "float32"
    assert any(getattr(layer, "compute_dtype", None) == compute
               for layer in run.bundle.model._flatten_layers())
