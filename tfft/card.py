"""The model card of a finished run: `README.md` with the YAML header the
Hub reads (`huggingface_hub.ModelCardData`, a `model-index` holding the
run's real metrics from `metrics.json`) and a body stating the base model,
data, hyperparameters, results, intended use, limitations, how to load
the model and the command that reproduces the run.

Everything comes from the run folder: `config.json`, `metrics.json`,
`COMPLETED` (timings, split sizes, the command) and `model/tfft_model.json`
(the task and whether the libraries' own classes load the folder).
"""

import json
import os

from tfft import config as config_lib
from tfft import run_folder
from tfft import trained

FILE = "README.md"
REPO_PLACEHOLDER = "<repo_id>"

# What the card can say about the assets tfft bundles.
BASE_MODELS = {
    "bundled:all-MiniLM-L6-v2": {
        "hub_id": "sentence-transformers/all-MiniLM-L6-v2",
        "license": "apache-2.0"},
}
DATASETS = {
    "bundled:rotten_tomatoes": {
        "name": "Rotten Tomatoes",
        "hub_id": "cornell-movie-review-data/rotten_tomatoes",
        "language": "en",
        "about": (
            "English one-sentence snippets of film reviews by Rotten "
            "Tomatoes critics (Pang & Lee, 2005), labelled fresh or rotten "
            "by the critic's overall verdict. It is a demo set: one domain "
            "(films), short texts, professional critics' style; the label "
            "is the review's verdict, not always the snippet's own tone. "
            "Nothing here measures other domains, languages, long texts, "
            "or sarcasm and mixed opinions beyond what the snippets hold.")},
    "bundled:conll2003": {
        "name": "CoNLL-2003",
        "hub_id": "eriktks/conll2003", "language": "en",
        "about": (
            "CoNLL-2003 English: Reuters news from 1996-97 tagged with "
            "persons, locations, organisations and miscellaneous names. "
            "Newswire only: expect lower scores on social media, other "
            "eras, lower-cased or other-language text, and on entity "
            "types outside the four.")},
    "bundled:squad": {
        "name": "SQuAD v1.1",
        "hub_id": "rajpurkar/squad", "language": "en",
        "about": (
            "SQuAD v1.1: crowd-written questions on English Wikipedia "
            "paragraphs, every one answered by a span of its paragraph. "
            "The model always returns a span; it was not trained to say "
            "that a paragraph holds no answer.")},
    "bundled:squad_subset": {
        "name": "SQuAD v1.1 (4,000-question subset)",
        "hub_id": "rajpurkar/squad", "language": "en",
        "about": (
            "A 4,000-question seeded subset of SQuAD v1.1 train (tested on "
            "1,000 dev questions): crowd-written questions on English "
            "Wikipedia paragraphs, every one answered by a span. A small "
            "demo budget: the scores are far below full-data training.")},
}
TASK_LIMITS = {
    "question_answering": (
        "Answers are whole words: a gold answer that starts or ends inside "
        "a word (0.3% of SQuAD) is predicted as its whole words."),
}
# Example values of the SavedModel's string inputs, for the REST call.
SERVING_EXAMPLES = {"text": "a great film", "text_pair": "I liked it",
                    "question": "Where was Ada born?",
                    "context": "Ada was born in London."}


def _metric_rows(metrics: dict) -> list:
    """The scalar metrics of both splits (not loss or counts)."""
    names = []
    for split in ("validation", "test"):
        for key, value in metrics.get(split, {}).items():
            if (isinstance(value, (int, float)) and key != "loss"
                    and not key.startswith("num_") and key not in names):
                names.append(key)
    return names


def _per_group(metrics: dict, split: str):
    for key in ("per_class", "per_type"):
        if isinstance(metrics.get(split, {}).get(key), dict):
            return key, metrics[split][key]
    return None, None


def _fmt(value) -> str:
    if isinstance(value, float):
        return f"{value:.4f}" if abs(value) <= 1 else f"{value:.2f}"
    return str(value)


def card_data(run, repo_id: str, language: str, license: str):
    """The YAML header (a `ModelCardData`)."""
    from huggingface_hub import EvalResult
    from huggingface_hub import ModelCardData

    config, metrics, manifest, task = run
    base = BASE_MODELS.get(config.model.path, {})
    data = DATASETS.get(config.data.dataset, {})
    dataset_id = data.get("hub_id") or (
        config.data.dataset if config.data.dataset and not
        os.path.exists(config.data.dataset)
        and not config.data.dataset.startswith("bundled:") else None)
    results = [
        EvalResult(task_type=task.pipeline_tag,
                   dataset_type=dataset_id or "local-files",
                   dataset_name=data.get("name") or config.data.dataset
                   or "own files",
                   dataset_split=split, metric_type=name,
                   metric_name=name, metric_value=metrics[split][name])
        for split in ("validation", "test") if split in metrics
        for name in _metric_rows(metrics) if name in metrics[split]]
    family = config.model.family
    return ModelCardData(
        model_name=repo_id.split("/")[-1],
        base_model=base.get("hub_id") or _hub_name(config.model.path),
        datasets=[dataset_id] if dataset_id else None,
        language=language or data.get("language"),
        license=license or base.get("license") or "other",
        library_name="transformers" if family == "hf" else "keras-hub",
        pipeline_tag=task.pipeline_tag,
        tags=["tfft", "tensorflow", "keras", family.replace("_", "-"),
              task.pipeline_tag],
        metrics=_metric_rows(metrics), eval_results=results or None)


def _hub_name(path: str):
    """A model path that names a hub repo (owner/name), else None."""
    parts = path.split("/")
    if (len(parts) == 2 and all(parts) and not path.startswith(".")
            and not os.path.exists(path) and ":" not in path):
        return path
    return None


def _load(workdir: str):
    folder = run_folder.RunFolder(workdir)
    folder.require_complete()
    config = config_lib.load_run_config(folder.workdir)
    metrics = folder.read_json(run_folder.METRICS)
    manifest = trained.read_manifest(folder.path(run_folder.MODEL))
    from tfft.tasks import get_task

    task = get_task(config.task, config, state=manifest["task_state"])
    return folder, (config, metrics, manifest, task)


def render(workdir: str, repo_id: str = "", language: str = "",
           license: str = "", has_export: bool = False) -> str:
    """The card's text for the run in `workdir`."""
    from huggingface_hub import ModelCard

    folder, run = _load(workdir)
    config, metrics, manifest, task = run
    repo = repo_id or REPO_PLACEHOLDER
    summary = folder.read_json(run_folder.COMPLETED)
    header = card_data(run, repo, language, license).to_yaml()
    body = "\n".join(_body(folder, run, repo, summary, has_export))
    return str(ModelCard(f"---\n{header}\n---\n\n{body}"))


def _body(folder, run, repo, summary, has_export):
    config, metrics, manifest, task = run
    d, m, t = config.data, config.model, config.train
    base = BASE_MODELS.get(m.path, {}).get("hub_id") or m.path
    data = DATASETS.get(d.dataset, {})
    if d.dataset:
        data_name = data.get("hub_id") or d.dataset
    else:
        data_name = "the user's files " + ", ".join(
            os.path.basename(p) for split in ("train", "validation", "test")
            for p in config_lib.split_list(getattr(d, f"{split}_files")))
    examples = summary.get("examples", {})
    yield f"# {repo.split('/')[-1]}"
    yield ""
    pooling = (f", {m.pooling} pooling" if task.name == "classification"
               else "")
    yield (f"`{base}` fine-tuned for {task.pipeline_tag} on {data_name} "
           f"with tfft ({m.family} family, {m.head} head{pooling}). "
           f"Test {task.main_metric}: "
           f"**{_fmt(metrics['test'][task.main_metric])}**.")
    yield ""
    yield "## Results"
    yield ""
    yield "| metric | validation | test |"
    yield "|---|---|---|"
    for name in _metric_rows(metrics):
        values = [_fmt(metrics.get(split, {}).get(name, "-"))
                  for split in ("validation", "test")]
        yield f"| {name} | {values[0]} | {values[1]} |"
    for split in ("validation", "test"):
        key, groups = _per_group(metrics, split)
        if not groups:
            continue
        label = "class" if key == "per_class" else "type"
        yield ""
        count = metrics[split].get("num_examples", "?")
        yield f"Per {label}, {split} ({count} examples):"
        yield ""
        yield f"| {label} | precision | recall | f1 | support |"
        yield "|---|---|---|---|---|"
        for name, s in groups.items():
            yield (f"| {name} | {_fmt(s['precision'])} | {_fmt(s['recall'])}"
                   f" | {_fmt(s['f1'])} | {s['support']} |")
    yield ""
    yield "![training curve](training_curve.png)"
    yield ""
    yield "## Training data"
    yield ""
    if examples:
        yield (f"{data_name}: " + ", ".join(
            f"{n:,} {s}" for s, n in examples.items()) + " examples "
            "(a split the data lacks is carved from train, seeded with "
            f"seed {config.seed}).")
    else:
        yield f"{data_name}."
    if data.get("about"):
        yield ""
        yield data["about"]
    yield ""
    yield "## Training procedure"
    yield ""
    yield (f"`model.fit` under tf.distribute, AdamW with linear warmup "
           f"({t.warmup_ratio:g} of the steps) and linear decay; "
           f"{summary.get('fit_seconds', '?')} s of training, "
           f"{summary.get('total_seconds', '?')} s end to end.")
    yield ""
    yield "| hyperparameter | value |"
    yield "|---|---|"
    rows = [("base model", m.path + (" (architecture only: weights "
                                      "initialised at random)"
                                      if m.init == "random" else "")),
            ("family", m.family), ("head", m.head)]
    if task.name == "classification":
        rows.append(("pooling", m.pooling))
    extra = [(name, value) for name, value in (
        ("head learning-rate multiplier", t.head_lr_multiplier),
        ("layer-wise learning-rate decay", t.layer_lr_decay))
        if value != 1.0]
    for name, value in (
            *rows, ("max length", d.max_length),
            ("stride", d.stride), ("epochs", t.epochs),
            ("batch size (per replica)", t.batch_size),
            ("gradient accumulation", t.grad_accumulation),
            ("learning rate", t.learning_rate),
            ("weight decay", t.weight_decay), ("warmup ratio",
                                               t.warmup_ratio),
            *extra, ("dropout", m.dropout), ("precision", t.precision),
            ("length-grouped batches", d.group_by_length),
            ("seed", config.seed)):
        yield f"| {name} | {value} |"
    yield ""
    yield ("Every field of the resolved config is in `tfft_config.json`.")
    yield ""
    yield "## Intended use and limitations"
    yield ""
    yield (f"For {task.pipeline_tag} of text like the training data's. "
           "The scores above are measured on held-out data of the same "
           "source only; check the model on your own data before relying "
           "on it, and do not use it for decisions about people without "
           "that check.")
    if task.name in TASK_LIMITS:
        yield ""
        yield TASK_LIMITS[task.name]
    if data.get("about"):
        yield ""
        yield "What the training data is and is not: see Training data."
    yield ""
    yield "## How to load it"
    yield ""
    yield from _loading(manifest, task, repo, has_export)
    yield ""
    yield "## Reproduce"
    yield ""
    command = summary.get("command")
    if command:
        yield f"```\n{command}\n```"
    else:
        yield ("Trained from Python (`tfft.training.trainer.train`); "
               "`tfft_config.json` holds the resolved config.")


def _loading(manifest, task, repo, has_export):
    native = manifest.get("native") or {}
    if native.get("class"):
        yield (f"Without tfft, in the library's own class "
               f"(`{native['class']}`, the trained head included):")
        yield ""
        if native["library"] == "transformers":
            yield "```python"
            yield "import transformers"
            auto = native["load"].split(".")[1]
            yield (f"model = transformers.{auto}.from_pretrained("
                   f"\"{repo}\")")
            yield ("tokenizer = transformers.AutoTokenizer.from_pretrained("
                   f"\"{repo}\")")
            yield ("# transformers 4.57's pipeline needs torch installed, "
                   "and dtype=None for TF:")
            yield (f"pipe = transformers.pipeline(\"{task.pipeline_tag}\", "
                   f"model=\"{repo}\", framework=\"tf\", dtype=None)")
            yield "```"
        else:
            yield "```python"
            yield "import keras_hub"
            cls = native["load"].split(".")[2]
            yield (f"model = keras_hub.models.{cls}.from_preset("
                   f"\"hf://{repo}\")  # preprocessor included")
            yield "model.predict([\"a great film\"])"
            yield "```"
    else:
        yield (f"**Not loadable by the library's task classes**: "
               f"{native.get('reason', 'no native class')}. The folder is "
               "written so that they refuse it (model type / task class "
               "`tfft`) instead of loading the backbone with an untrained "
               "head.")
    yield ""
    yield "With tfft, the transformers pipeline interface, TensorFlow only:"
    yield ""
    yield "```python"
    yield "import huggingface_hub, tfft"
    yield f"pipe = tfft.pipeline(huggingface_hub.snapshot_download(\"{repo}\"))"
    yield "```"
    if has_export:
        name = repo.split("/")[-1]
        yield ""
        yield ("TF Serving, raw strings in (tokenization and decoding are in "
               "the graph), from `saved_model/`:")
        yield ""
        yield "```"
        yield (f"docker run -p 8501:8501 -v $PWD/saved_model:/models/{name} "
               f"-e MODEL_NAME={name} tensorflow/serving")
        body = json.dumps({"instances": [{
            k: SERVING_EXAMPLES.get(k, "...") for k in task.serving_inputs()}]})
        yield (f"curl -d '{body}' "
               f"localhost:8501/v1/models/{name}:predict")
        yield "```"
    else:
        yield ""
        yield ("TF Serving, raw strings in: export the run with `tfft-export "
               "--workdir=RUN --export_dir=DIR` (tokenization and decoding "
               "in the graph).")


def write(workdir: str, repo_id: str = "", language: str = "",
          license: str = "", has_export: bool = False) -> str:
    """Writes `README.md` into the run folder (atomically); its path."""
    text = render(workdir, repo_id, language, license, has_export)
    folder = run_folder.RunFolder(workdir)
    folder.write_text(FILE, text)
    return folder.path(FILE)
