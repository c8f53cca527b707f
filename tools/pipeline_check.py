"""tfft.pipeline against tfft-predict on the same inputs, for a run folder
and (optionally) its SavedModel.

    python tools/pipeline_check.py --workdir=RUN --input=FILE [--export=DIR]

FILE is what `tfft-predict --input` takes (a .txt of texts for
classification / NER, or a file with question and context columns). Prints
per source how many results are identical (label / entities / answer and
offsets) and the largest score difference.
"""

import json
import sys

from absl import app
from absl import flags

_WORKDIR = flags.DEFINE_string("workdir", None, "A finished run folder.")
_INPUT = flags.DEFINE_string("input", None, "Inputs as tfft-predict reads.")
_EXPORT = flags.DEFINE_string("export", "", "Its tfft-export directory.")


def _items(task, examples):
    if task.pipeline_tag == "question-answering":
        return [{"question": q, "context": c} for q, c in
                zip(examples["question"], examples["context"])]
    return list(examples[task.input_columns[0]])


def _scores(result):
    if isinstance(result, dict):
        return [result["score"]]
    return [r["score"] for r in result]


def _without_scores(result):
    if isinstance(result, dict):
        return {k: v for k, v in result.items() if k != "score"}
    return [_without_scores(r) for r in result]


def _same(a, b):
    return _without_scores(a) == _without_scores(b)


def main(argv):
    del argv
    import tfft
    from tfft import inference

    records = inference.predict_file(_WORKDIR.value, _INPUT.value)
    run = tfft.pipeline(_WORKDIR.value)
    task = run.task
    expected = [task.pipeline_result(r) for r in records]
    items = _items(task, task.read_inputs(_INPUT.value))
    report = {"task": task.pipeline_tag, "inputs": len(items)}
    sources = {"run": run}
    if _EXPORT.value:
        sources["saved_model"] = tfft.pipeline(_EXPORT.value)
    for name, pipe in sources.items():
        found = pipe(items)
        gaps = [abs(x - y) for f, e in zip(found, expected)
                for x, y in zip(_scores(f), _scores(e))]
        report[name] = {
            "identical": sum(_same(f, e) for f, e in zip(found, expected)),
            "max_score_difference": max(gaps, default=0.0)}
    json.dump(report, sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    flags.mark_flags_as_required(["workdir", "input"])
    app.run(main)
