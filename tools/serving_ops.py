"""Regenerates tfft/export/serving_ops.json: the ops TF Serving can run.

    python tools/serving_ops.py

TF Serving's model server (tensorflow_serving/model_servers/BUILD,
SUPPORTED_TENSORFLOW_OPS) links core TensorFlow's ops plus
`@org_tensorflow_text//tensorflow_text:ops_lib`, i.e. every op of the
tensorflow-text release it is built with. This script records, for the
installed versions, the ops registered by `import tensorflow` alone and the
ops `import tensorflow_text` adds, each in a fresh interpreter. Run it when
the pinned TensorFlow / tensorflow-text versions change; the test
`tests/export/test_serving_ops.py` fails until you do.
"""

import json
import os
import subprocess
import sys

OUT = os.path.join(os.path.dirname(__file__), os.pardir, "tfft", "export",
                   "serving_ops.json")

PROBE = """
import json, os, sys
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
from tensorflow.core.framework import op_def_pb2
from tensorflow.python.client import pywrap_tf_session as c_api
import tensorflow as tf
def registered():
    ops = op_def_pb2.OpList()
    ops.ParseFromString(bytes(c_api.TF_GetBuffer(c_api.TF_GetAllOpList())))
    return sorted(o.name for o in ops.op)
core = registered()
text_version = None
if sys.argv[1] == "text":
    import tensorflow_text
    text_version = tensorflow_text.__version__
print(json.dumps({"tensorflow": tf.__version__,
                  "tensorflow_text": text_version,
                  "ops": sorted(set(registered()) - set(core))
                  if text_version else core}))
"""


def probe(which: str) -> dict:
    out = subprocess.run([sys.executable, "-c", PROBE, which], check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def current() -> dict:
    core, text = probe("core"), probe("text")
    return {
        "tf_serving": ".".join(core["tensorflow"].split(".")[:2]),
        "tensorflow": core["tensorflow"],
        "tensorflow_text": text["tensorflow_text"],
        "core_ops": core["ops"],
        "text_ops": text["ops"],
    }


def main():
    data = current()
    with open(OUT, "w") as f:
        json.dump(data, f, indent=0)
        f.write("\n")
    print(f"{len(data['core_ops'])} core + {len(data['text_ops'])} "
          f"tensorflow-text ops (TF Serving {data['tf_serving']}) -> {OUT}")


if __name__ == "__main__":
    main()
