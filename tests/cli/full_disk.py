"""Commands writing to a full file system, for `test_failures.py`.

Run inside a private mount namespace (`unshare --mount --map-root-user
python -m tests.cli.full_disk ...`): mounts small tmpfs file systems (gone
when the namespace ends), runs tfft-train, tfft-export and tfft-predict
writing into them, and prints one JSON object: each command's exit code,
stderr, and what its output location holds afterwards.
"""

import json
import os
import subprocess
import sys


def mount(base: str, name: str, size: str) -> str:
    folder = os.path.join(base, name)
    os.makedirs(folder)
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs",
                    folder], check=True)
    return folder


def fill(folder: str) -> None:
    """Writes a ballast file until the file system is full."""
    with open(os.path.join(folder, "ballast"), "wb", buffering=0) as f:
        try:
            while True:
                f.write(b"\0" * 1024)
        except OSError:
            pass


def listing(folder: str) -> dict:
    found = {}
    for root, dirs, files in os.walk(folder):
        for name in dirs + files:
            path = os.path.join(root, name)
            found[os.path.relpath(path, folder)] = (
                None if os.path.isdir(path) else open(path, "rb").read(
                    200).decode("utf-8", "replace"))
    return found


def tfft(command, *args):
    env = dict(os.environ, HF_HUB_OFFLINE="1", TF_CPP_MIN_LOG_LEVEL="3")
    proc = subprocess.run([sys.executable, "-m", f"tfft.cli.{command}",
                           *args], capture_output=True, text=True, env=env,
                          timeout=600)
    return {"code": proc.returncode, "stderr": proc.stderr}


def main(base, train_args, run, texts):
    results = {}
    # Training: the config fits, the first checkpoint does not.
    disk = mount(base, "train", "16k")
    results["train"] = dict(tfft("train", *train_args,
                                 f"--workdir={disk}/run"), disk=disk,
                            files=listing(disk))
    # Export: room for the weights (the pre-flight estimate), not for the
    # whole SavedModel.
    disk = mount(base, "export", "512k")
    results["export"] = dict(tfft("export", f"--workdir={run}",
                                  f"--export_dir={disk}/export"),
                             disk=disk, files=listing(disk))
    # Predict: a previous output stays as it was.
    disk = mount(base, "predict", "16k")
    with open(os.path.join(disk, "preds.jsonl"), "w") as f:
        f.write('{"old": true}\n')
    fill(disk)
    results["predict"] = dict(tfft("predict", f"--model={run}",
                                   f"--input={texts}",
                                   f"--output={disk}/preds.jsonl"),
                              disk=disk, files=listing(disk))
    print(json.dumps(results))


if __name__ == "__main__":
    args = json.loads(sys.argv[1])
    main(args["base"], args["train"], args["run"], args["texts"])
