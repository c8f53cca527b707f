"""TF Serving's REST predict API over a SavedModel, without TF Serving.

    python tools/rest_predict.py DIR '{"instances": ["great film"]}'
    python tools/rest_predict.py DIR @body.json   # a body in a file

DIR is a SavedModel or an export directory (its latest version is used).
Prints the JSON response TF Serving would send for a POST to
/v1/models/<name>:predict. It imports only `tensorflow` and
`tensorflow_text` (what a model server has), never tfft, transformers or
keras-hub, so it proves an export is self-contained. Supported bodies, as
in TF Serving's REST API:

  {"instances": [...]}  row format: each instance is a value (one-input
                        signatures) or an object {input_name: value};
                        answered as {"predictions": [...]}
  {"inputs": ...}       columnar: a list (one input) or an object
                        {input_name: list}; answered as {"outputs": ...}
  "signature_name"      optional; default "serving_default"
"""

import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import tensorflow as tf  # noqa: E402
import tensorflow_text  # noqa: E402,F401  (registers the tokenizer ops)


def saved_model_dir(path: str) -> str:
    if os.path.isfile(os.path.join(path, "saved_model.pb")):
        return path
    numbered = sorted((int(n) for n in os.listdir(path) if n.isdigit()
                       and os.path.isfile(os.path.join(path, n,
                                                       "saved_model.pb"))))
    if not numbered:
        raise SystemExit(f"error: no SavedModel in {path}")
    return os.path.join(path, str(numbered[-1]))


def _columns(body: dict, names: list) -> tuple:
    """(columns {input: list}, row_format) from a request body."""
    if "instances" in body:
        rows = body["instances"]
        if rows and isinstance(rows[0], dict):
            return {n: [r[n] for r in rows] for n in names}, True
        if len(names) != 1:
            raise ValueError(f"instances must be objects with {names}")
        return {names[0]: rows}, True
    inputs = body["inputs"]
    if isinstance(inputs, dict):
        return {n: inputs[n] for n in names}, False
    if len(names) != 1:
        raise ValueError(f"inputs must be an object with {names}")
    return {names[0]: inputs}, False


def _to_json(value):
    if isinstance(value, bytes):
        return value.decode("utf-8")
    if isinstance(value, list):
        return [_to_json(v) for v in value]
    return value


def predict(model, body: dict) -> dict:
    signature = model.signatures[body.get("signature_name",
                                          "serving_default")]
    specs = signature.structured_input_signature[1]
    columns, row_format = _columns(body, sorted(specs))
    tensors = {n: tf.constant(v, dtype=specs[n].dtype)
               for n, v in columns.items()}
    outputs = {k: _to_json(v.numpy().tolist())
               for k, v in signature(**tensors).items()}
    if not row_format:
        return {"outputs": outputs}
    size = len(next(iter(outputs.values())))
    return {"predictions": [{k: v[i] for k, v in outputs.items()}
                            for i in range(size)]}


def main(argv):
    model = tf.saved_model.load(saved_model_dir(argv[1]))
    text = argv[2]
    if text.startswith("@"):  # large bodies exceed one argument's limit
        with open(text[1:], encoding="utf-8") as f:
            text = f.read()
    body = json.loads(text)
    print(json.dumps(predict(model, body), ensure_ascii=False))


if __name__ == "__main__":
    main(sys.argv)
