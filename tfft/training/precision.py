"""What `train.precision="auto"` means on this machine.

bfloat16 mixed precision where the hardware computes bfloat16 natively:
TPUs, NVIDIA GPUs of compute capability 8.0 and later (Ampere on), and
x86 CPUs with AMX or AVX512-BF16 (Intel Cooper Lake / Sapphire Rapids and
later, AMD Zen 4 and later), where oneDNN runs bfloat16 matmuls at 1.7-1.9x
the float32 rate (tools/bench.py's matmul peak on this AMD EPYC). float32
everywhere else: without those instructions bfloat16 is emulated, and
older GPUs have no fast bfloat16 (mixed_float16 is the option there,
chosen by hand: it needs loss scaling).

`choose` is pure (facts in, policy out); `machine_facts` reads the facts.
"""

AUTO = "auto"
BF16 = "mixed_bfloat16"
FP32 = "float32"
# /proc/cpuinfo flags of x86 CPUs that compute bfloat16 dot products.
BF16_CPU_FLAGS = ("amx_bf16", "avx512_bf16")
AMPERE = (8, 0)


def choose(*, tpu: bool, gpu_capabilities, cpu_flags) -> tuple:
    """(policy, reason) for a machine: on a TPU, on GPUs of these
    (major, minor) compute capabilities, else on a CPU with these flags."""
    if tpu:
        return BF16, "a TPU computes bfloat16 natively"
    if gpu_capabilities:
        oldest = min(tuple(c) for c in gpu_capabilities)
        shown = f"GPU compute capability {oldest[0]}.{oldest[1]}"
        if oldest >= AMPERE:
            return BF16, f"{shown} (Ampere or later) computes bfloat16"
        return FP32, (f"{shown} is older than Ampere (no fast bfloat16; "
                      "--config.train.precision=mixed_float16 may pay)")
    found = [f for f in BF16_CPU_FLAGS if f in set(cpu_flags)]
    if found:
        return BF16, f"the CPU has {' and '.join(found)}"
    return FP32, ("the CPU has neither AMX nor AVX512-BF16 (bfloat16 would "
                  "be emulated, slower than float32)")


def cpu_flags(path: str = "/proc/cpuinfo") -> set:
    """The CPU's feature flags (Linux); empty where they cannot be read."""
    try:
        with open(path) as f:
            for line in f:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def gpu_capabilities() -> list:
    """(major, minor) compute capability of each visible GPU."""
    import tensorflow as tf

    out = []
    for gpu in tf.config.list_physical_devices("GPU"):
        details = tf.config.experimental.get_device_details(gpu)
        out.append(tuple(details.get("compute_capability") or (0, 0)))
    return out


def machine_facts(*, tpu: bool) -> dict:
    return {"tpu": tpu, "gpu_capabilities": gpu_capabilities(),
            "cpu_flags": cpu_flags()}


def resolve(policy: str, *, tpu: bool = False) -> tuple:
    """(policy, reason): `policy` itself unless it is "auto"."""
    if policy != AUTO:
        return policy, "train.precision"
    chosen, reason = choose(**machine_facts(tpu=tpu))
    return chosen, f"auto: {reason}"


def on_tpu(train_config) -> bool:
    """Whether the run's strategy will be a TPU's (without touching one)."""
    from tfft.training.strategy import resolve_name

    return resolve_name(train_config.strategy, tpu=train_config.tpu,
                        num_gpus=0) == "tpu"


def resolved(config):
    """A copy of `config` with `train.precision` resolved, and the reason
    (logged by the trainer: what "auto" chose on this machine and why)."""
    import copy

    policy, reason = resolve(config.train.precision,
                             tpu=on_tpu(config.train))
    config = copy.deepcopy(config)
    config.train.precision = policy
    return config, reason
