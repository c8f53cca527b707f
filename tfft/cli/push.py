"""tfft-push --workdir=RUN --repo_id=NAME [--private] [--revision=BRANCH]
[--export_dir=DIR]

Uploads the shareable part of a finished run to the hub (`HF_ENDPOINT`, by
default huggingface.co): model/ at the repo root, the model card (written
now, `tfft.card`), the resolved config, metrics, history, training curve
and the SavedModel (`--export_dir`, else the run's `export.dir`, if any).
Files the repo already holds unchanged are not sent again. The token is
the hub client's own: `HF_TOKEN` or `huggingface-cli login`.
"""

import json

from absl import flags

from tfft.cli import common

_WORKDIR = flags.DEFINE_string("workdir", None, "A finished run folder.")
_REPO_ID = flags.DEFINE_string("repo_id", None, "The repo: NAME or "
                               "OWNER/NAME (created if missing).")
_PRIVATE = flags.DEFINE_bool("private", False, "Create the repo private.")
_REVISION = flags.DEFINE_string("revision", "", "Branch to push to "
                                "(created from main if missing); "
                                "default main.")
_EXPORT_DIR = flags.DEFINE_string(
    "export_dir", "", "A tfft-export directory whose latest SavedModel to "
    "include; default the run's export.dir, if it has one.")


def main(argv):
    del argv
    common.require_flags(workdir=_WORKDIR.value, repo_id=_REPO_ID.value)
    from tfft import run_folder

    run = run_folder.RunFolder(_WORKDIR.value)
    run.require_complete()
    from tfft import card
    from tfft import hub

    client = hub.Hub()
    client.preflight(_REPO_ID.value)
    saved_model = hub.export_version(run.workdir, _EXPORT_DIR.value)
    card.write(run.workdir, _REPO_ID.value, has_export=bool(saved_model))
    summary = run.read_json(run_folder.COMPLETED)
    pushed = client.push(
        _REPO_ID.value, hub.run_files(run.workdir, saved_model),
        message=(f"tfft run: test {summary.get('main_metric')} = "
                 f"{summary.get('test')}"),
        private=_PRIVATE.value, revision=_REVISION.value)
    print(json.dumps(dict(pushed, repo_id=_REPO_ID.value)))


def run():
    common.run_app(main, outputs=lambda: [_WORKDIR.value])


if __name__ == "__main__":
    run()
