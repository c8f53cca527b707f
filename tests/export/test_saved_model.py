"""Exported SavedModels: raw-text and token-id signatures, parity with the
Python model, edge inputs, self-contained loading, atomic versions."""

import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import pytest
import tensorflow as tf

from tests.conftest import make_tiny_roberta
from tests.conftest import sentiment_rows
from tests.export.test_graph_tokenizer import EDGE_CASES
from tfft import trained
from tfft.errors import UserError
from tfft.export import saved_model
from tfft.export import serving_ops
from tfft.export import versions
from tfft.inference import model_outputs
from tfft.models import builder
from tfft.tasks import get_task
from tfft.tasks.classification import softmax

REPO = os.path.dirname(os.path.dirname(os.path.dirname(__file__)))
REST_PREDICT = os.path.join(REPO, "tools", "rest_predict.py")
LABELS = ["neg", "pos"]
TEXTS = [r["text"] for r in sentiment_rows(12, seed=3)] + EDGE_CASES


def serve_rest_bodies(export_dir, bodies):
    """TF Serving's REST answers to `bodies` from the export in
    `export_dir` (`tools/rest_predict.py`), computed in a fresh process
    that imports only tensorflow and tensorflow_text: (responses, the
    libraries a model server lacks that it imported)."""
    probe = (
        "import json, runpy, sys\n"
        f"rest = runpy.run_path({REST_PREDICT!r}, run_name='rest_predict')\n"
        "model = rest['tf'].saved_model.load(\n"
        "    rest['saved_model_dir'](sys.argv[1]))\n"
        "with open(sys.argv[2]) as f:\n"
        "    bodies = json.load(f)\n"
        "print(json.dumps([rest['predict'](model, b) for b in bodies]))\n"
        "banned = ('tfft', 'transformers', 'keras_hub', 'keras_nlp')\n"
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules\n"
        "                         if m.split('.')[0] in banned})))\n"
    )
    with tempfile.NamedTemporaryFile("w", suffix=".json") as f:
        json.dump(bodies, f)
        f.flush()
        proc = subprocess.run(
            [sys.executable, "-c", probe, export_dir, f.name],
            capture_output=True, text=True,
            env=dict(os.environ, PYTHONPATH=""), cwd="/", check=True)
    responses, imported = proc.stdout.strip().splitlines()[-2:]
    return json.loads(responses), json.loads(imported)


def _bundle(config, family, text_columns="text"):
    config.model.family = family
    config.data.text_columns = text_columns
    task = get_task("classification", config, state={"label_names": LABELS})
    return task, builder.build(config.model, task)


def _python_probs(task, bundle, columns):
    import datasets

    raw = datasets.Dataset.from_dict(columns)
    tokenized = task.tokenize(raw, bundle.tokenizer)
    return softmax(model_outputs(bundle.model, task, tokenized,
                                 bundle.tokenizer, batch_size=8))


@pytest.fixture(scope="module", params=["keras_hub", "hf"])
def exported(request, tiny_bert, tmp_path_factory):
    from tfft.config import default_config

    config = default_config()
    config.model.path = tiny_bert
    config.model.init = "random"
    config.model.pooling = "mean"
    config.data.max_length = 16
    task, bundle = _bundle(config, request.param)
    export_dir = tmp_path_factory.mktemp(f"export_{request.param}")
    path, report = saved_model.export(bundle.model, bundle.tokenizer, task,
                                      config, str(export_dir))
    return dict(family=request.param, config=config, task=task,
                bundle=bundle, export_dir=str(export_dir), path=path,
                report=report)


def test_raw_text_signature_equals_the_python_model(exported):
    """Edge inputs included: empty, whitespace, emoji, accents, CJK, text
    far beyond max_length (truncated as in training), all in one batch."""
    loaded = tf.saved_model.load(exported["path"])
    out = loaded.signatures["serving_default"](text=tf.constant(TEXTS))
    expected = _python_probs(exported["task"], exported["bundle"],
                             {"text": TEXTS})
    probs = out["probabilities"].numpy()
    assert probs.shape == (len(TEXTS), 2)
    np.testing.assert_allclose(probs, expected, atol=1e-5)
    ids = out["label_id"].numpy()
    assert (ids == probs.argmax(1)).all()
    assert [b.decode() for b in out["label"].numpy()] == \
        [LABELS[i] for i in ids]
    np.testing.assert_allclose(tf.nn.softmax(out["logits"]).numpy(), probs,
                               atol=1e-6)


def test_rows_do_not_depend_on_the_rest_of_the_batch(exported):
    serve = tf.saved_model.load(exported["path"]).signatures[
        "serving_default"]
    batch = serve(text=tf.constant(TEXTS))["probabilities"].numpy()
    for i in (0, TEXTS.index(""), len(TEXTS) - 1):
        single = serve(text=tf.constant([TEXTS[i]]))["probabilities"]
        np.testing.assert_allclose(single.numpy()[0], batch[i], atol=1e-5)


def test_token_id_signature_equals_the_raw_text_one(exported):
    loaded = tf.saved_model.load(exported["path"])
    texts = TEXTS[:12]
    encoded = exported["bundle"].tokenizer.encode(texts, max_length=16)
    width = max(len(r) for r in encoded["input_ids"])
    ids = np.zeros((len(texts), width), np.int32)
    types, mask = np.zeros_like(ids), np.zeros_like(ids)
    for i, (row, row_types) in enumerate(zip(encoded["input_ids"],
                                             encoded["token_type_ids"])):
        ids[i, :len(row)], types[i, :len(row)] = row, row_types
        mask[i, :len(row)] = 1
    from_ids = loaded.signatures["token_ids"](
        input_ids=ids, attention_mask=mask, token_type_ids=types)
    from_text = loaded.signatures["serving_default"](text=tf.constant(texts))
    np.testing.assert_allclose(from_ids["probabilities"].numpy(),
                               from_text["probabilities"].numpy(), atol=1e-6)


def test_saved_model_cli_lists_both_signatures_with_readable_names(
        exported):
    proc = subprocess.run(
        [sys.executable, "-m", "tensorflow.python.tools.saved_model_cli",
         "show", "--all", "--dir", exported["path"]],
        capture_output=True, text=True, check=True)
    for expected in ("signature_def['serving_default']", "inputs['text']",
                     "signature_def['token_ids']", "inputs['input_ids']",
                     "inputs['attention_mask']", "inputs['token_type_ids']",
                     "outputs['label']", "outputs['label_id']",
                     "outputs['probabilities']", "outputs['logits']"):
        assert expected in proc.stdout


def test_metadata_records_what_predict_needs(exported):
    meta = trained.read_export_metadata(exported["path"])
    assert meta["task"] == "classification"
    assert meta["task_state"] == {"label_names": LABELS}
    assert meta["family"] == exported["family"]
    assert meta["text_inputs"] == {"text": "text"}
    assert meta["config"]["data"]["max_length"] == 16


def test_ops_are_all_servable_and_include_the_tokenizer(exported):
    report = exported["report"]
    assert report.unsupported == []
    assert "FastWordpieceTokenizeWithOffsets" in report.text_ops
    assert set(report.text_ops) <= set(serving_ops.supported()["text_ops"])


def test_loads_and_serves_rest_bodies_with_only_tensorflow_and_text(
        exported):
    """What TF Serving has: no tfft, transformers or keras-hub."""
    bodies = [
        {"instances": ["good fun film", "", "😀 naïve 日本語", "bad " * 200]},
        {"instances": [{"text": "great"}, {"text": "awful plot"}]},
        {"inputs": {"text": ["superb", "boring"]}},
        {"inputs": ["dull"]},
    ]
    responses, imported = serve_rest_bodies(exported["export_dir"], bodies)
    assert imported == []
    for body, response in zip(bodies, responses):
        if "instances" in body:
            rows = response["predictions"]
            assert len(rows) == len(body["instances"])
        else:
            outputs = response["outputs"]
            rows = [dict(zip(outputs, values))
                    for values in zip(*outputs.values())]
        for row in rows:
            assert set(row) == {"label", "label_id", "probabilities",
                                "logits"}
            assert row["label"] == LABELS[row["label_id"]]
            assert abs(sum(row["probabilities"]) - 1) < 1e-5
            assert row["label_id"] == int(np.argmax(row["probabilities"]))


@pytest.mark.parametrize("family, checkpoint", [
    ("keras_hub", "bert"), ("hf", "bert"), ("hf", "roberta")])
def test_text_pair_models_take_text_and_text_pair(tiny_bert, tmp_path,
                                                   family, checkpoint):
    from tfft.config import default_config

    config = default_config()
    config.model.path = (tiny_bert if checkpoint == "bert"
                         else make_tiny_roberta(tmp_path / "roberta", TEXTS))
    config.model.init = "random"
    config.data.max_length = 12
    task, bundle = _bundle(config, family, text_columns="a,b")
    path, _ = saved_model.export(bundle.model, bundle.tokenizer, task,
                                 config, str(tmp_path / family))
    serve = tf.saved_model.load(path).signatures["serving_default"]
    assert set(serve.structured_input_signature[1]) == {"text",
                                                        "text_pair"}
    first, second = TEXTS[:10], list(reversed(TEXTS[-10:]))
    out = serve(text=tf.constant(first), text_pair=tf.constant(second))
    expected = _python_probs(task, bundle, {"a": first, "b": second})
    np.testing.assert_allclose(out["probabilities"].numpy(), expected,
                               atol=1e-5)
    meta = trained.read_export_metadata(path)
    assert meta["text_inputs"] == {"text": "a", "text_pair": "b"}


def test_an_export_traces_the_model_once(tiny_bert, tmp_path, monkeypatch):
    """Each signature's Python function runs once per export, and the
    raw-text one calls the traced token-id one: the model is traced once.
    (tf.saved_model.save traces again every tf.function the saved module
    tracks, as its traces are keyed by the save context; the module holds
    none.)"""
    from tfft.config import default_config

    config = default_config()
    config.model.path = tiny_bert
    config.model.init = "random"
    config.data.max_length = 12
    task, bundle = _bundle(config, "keras_hub")
    traces = {}

    def counting(name, make):
        def made(*args):
            serve = make(*args)

            def traced(*inputs):
                traces[name] = traces.get(name, 0) + 1
                return serve(*inputs)

            return traced

        return made

    for name in ("serving_fn", "serving_token_fn"):
        monkeypatch.setattr(task, name, counting(name, getattr(task, name)))
    outputs = task.serving_outputs

    def model_outputs_of_a_trace(model_outputs):  # once per model call
        traces["model"] = traces.get("model", 0) + 1
        return outputs(model_outputs)

    monkeypatch.setattr(task, "serving_outputs", model_outputs_of_a_trace)
    path, _ = saved_model.export(bundle.model, bundle.tokenizer, task,
                                 config, str(tmp_path / "export"))
    assert traces == {"serving_fn": 1, "serving_token_fn": 1, "model": 1}
    served = tf.saved_model.load(path).signatures["serving_default"](
        text=tf.constant(["good fun", "dull"]))
    assert served["label"].shape == (2,)


def test_unsupported_op_fails_and_keeps_previous_versions(exported,
                                                          monkeypatch):
    export_dir = exported["export_dir"]
    before = versions.versions(export_dir)
    assert before
    real_check = serving_ops.check

    def with_a_foreign_op(directory):
        report = real_check(directory)
        report.unsupported = ["MyCustomOp"]
        return report

    monkeypatch.setattr(serving_ops, "check", with_a_foreign_op)
    args = (exported["bundle"].model, exported["bundle"].tokenizer,
            exported["task"], exported["config"], export_dir)
    with pytest.raises(UserError, match="MyCustomOp.*--allow_ops"):
        saved_model.export(*args)
    assert versions.versions(export_dir) == before
    assert sorted(os.listdir(export_dir)) == [str(v) for v in before]
    path, _ = saved_model.export(*args, allow_ops=["MyCustomOp"], keep=1)
    assert versions.versions(export_dir) == [before[-1] + 1]
    assert path == os.path.join(export_dir, str(before[-1] + 1))


def test_export_leaves_logging_levels_as_they_were(exported, tmp_path):
    """tf.saved_model.save pins absl's logger at its effective level; an
    export must not silence the caller's later INFO logs."""
    import logging

    absl_logger = logging.getLogger("absl")
    before = absl_logger.level
    absl_logger.setLevel(logging.NOTSET)
    try:
        saved_model.write(exported["bundle"].model,
                          exported["bundle"].tokenizer, exported["task"],
                          exported["config"], str(tmp_path / "sm"))
        assert absl_logger.level == logging.NOTSET
    finally:
        absl_logger.setLevel(before)
