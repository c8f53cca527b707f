"""The model card of each task's shared run: a YAML header that
huggingface_hub parses, with the run's real metrics in its model-index,
and a body with results, data, hyperparameters, use, limits, loading and
the command that reproduced the run."""

import json
import os

import pytest
from huggingface_hub import ModelCard

from tfft import card


def metrics_of(workdir):
    with open(os.path.join(workdir, "metrics.json")) as f:
        return json.load(f)


@pytest.mark.parametrize("run_name, groups", [
    ("classify_run", "per_class"), ("ner_run", "per_type"),
    ("qa_run", None)])
def test_card_of_each_task(request, run_name, groups):
    run = request.getfixturevalue(run_name)
    workdir = run["workdir"]
    text = card.render(workdir, "tester/model")
    parsed = ModelCard(text)  # what the Hub and huggingface_hub read
    data = parsed.data
    metrics = metrics_of(workdir)
    with open(os.path.join(workdir, "model", "tfft_model.json")) as f:
        manifest = json.load(f)
    from tfft.config import load_run_config
    from tfft.tasks import get_task

    task = get_task(manifest["task"], load_run_config(workdir),
                    state=manifest["task_state"])
    assert data.pipeline_tag == task.pipeline_tag
    assert {"tfft", "tensorflow", "keras"} <= set(data.tags)
    assert data.model_name == "model"
    # model-index: every scalar metric of both splits, with its value.
    found = {(r.dataset_split, r.metric_type): r.metric_value
             for r in data.eval_results}
    for split in ("validation", "test"):
        assert found[(split, task.main_metric)] == \
            metrics[split][task.main_metric]
    assert len(found) == sum(
        1 for split in ("validation", "test")
        for k, v in metrics[split].items()
        if isinstance(v, (int, float)) and k != "loss"
        and not k.startswith("num_"))
    body = parsed.text
    for section in ("## Results", "## Training data",
                    "## Training procedure", "## Intended use and "
                    "limitations", "## How to load it", "## Reproduce"):
        assert section in body
    assert "![training curve](training_curve.png)" in body
    assert 'tfft.pipeline(huggingface_hub.snapshot_download("tester/model"))'\
        in body
    with open(os.path.join(workdir, "COMPLETED")) as f:
        command = json.load(f)["command"]
    assert command.startswith("tfft-train --config=") and command in body
    if groups:
        for name in metrics["test"][groups]:
            assert f"| {name} |" in body
    native = manifest["native"]
    if native["class"]:
        assert native["class"] in body
    else:
        assert "Not loadable by the library's task classes" in body
    # The card is the same text each time (a second push sends nothing).
    assert card.render(workdir, "tester/model") == text
