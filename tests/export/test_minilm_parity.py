"""Issue 3, figure 2: on the Rotten Tomatoes test split of the demo config,
the exported MiniLM SavedModel (tokenizing in the graph) gives the Python
model's probabilities within 1e-4, for both families."""

import importlib.util
import os

import numpy as np
import pytest

from tests.conftest import asset_or_skip
from tfft import assets
from tfft.data import sources
from tfft.export import saved_model
from tfft.inference import load_export
from tfft.inference import model_outputs
from tfft.models import builder
from tfft.tasks import get_task
from tfft.tasks.classification import softmax

REPO = os.path.dirname(os.path.dirname(os.path.dirname(__file__)))


def demo_config():
    spec = importlib.util.spec_from_file_location(
        "sentiment_minilm", os.path.join(REPO, "configs",
                                         "sentiment_minilm.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.get_config()


@pytest.mark.slow  # real MiniLM over the whole RT test split (~2 min)
@pytest.mark.parametrize("family", ["keras_hub", "hf"])
def test_rt_test_split_probabilities_match_within_1e4(family, minilm_dir,
                                                      tmp_path):
    asset_or_skip(assets.corpus_path, "rotten_tomatoes")
    config = demo_config()
    config.model.family = family
    task = get_task(config.task, config)
    test = task.prepare(sources.load_splits(config.data))["test"]
    bundle = builder.build(config.model, task)
    python = softmax(model_outputs(
        bundle.model, task, task.tokenize(test, bundle.tokenizer),
        bundle.tokenizer, batch_size=64))
    saved_model.export(bundle.model, bundle.tokenizer, task, config,
                       str(tmp_path))
    exported = load_export(str(tmp_path))
    served = softmax(np.concatenate([
        exported.outputs(test, start, min(start + 64, len(test)))["logits"]
        for start in range(0, len(test), 64)]))
    assert len(test) == 1500
    worst = np.abs(served - python).max()
    print(f"{family}: max |probability difference| {worst:.2e}")
    assert worst < 1e-4
