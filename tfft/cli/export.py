"""tfft-export --workdir=RUN --export_dir=DIR [--keep=K] [--allow_ops=A,B]

Writes a finished run's model as the next version `DIR/<n>/`: a SavedModel
that TF Serving serves from raw strings (tokenizer in the graph), plus a
`token_ids` signature. The version appears only when complete and its ops
pass the TF Serving check; older versions are untouched unless --keep
prunes them.
"""

from absl import flags

from tfft import run_folder
from tfft.cli import common
from tfft.errors import UserError

_WORKDIR = flags.DEFINE_string("workdir", None, "A finished run folder.")
_EXPORT_DIR = flags.DEFINE_string(
    "export_dir", None, "Where versions go (the folder TF Serving watches).")
_KEEP = flags.DEFINE_integer("keep", 0, "Keep the newest K versions after "
                             "this one (0 keeps all).", lower_bound=0)
_ALLOW_OPS = flags.DEFINE_list(
    "allow_ops", [], "Ops to allow although TF Serving lacks them.")


def main(argv):
    del argv
    common.require_flags(workdir=_WORKDIR.value, export_dir=_EXPORT_DIR.value)
    from tfft import assets
    from tfft import paths
    from tfft import trained

    # Cheap checks before TensorFlow loads, so bad input fails at once.
    run = run_folder.RunFolder(_WORKDIR.value)
    run.require_complete()
    problem = trained.run_task(run.workdir)[1].export_problem(
        run.path(run_folder.MODEL))
    if problem:
        raise UserError(f"{problem}; this run cannot be exported")
    paths.check_folder(_EXPORT_DIR.value, "--export_dir")
    paths.check_space(_EXPORT_DIR.value, "--export_dir",
                      assets.weights_bytes(run.path(run_folder.MODEL)),
                      "the SavedModel")
    from tfft.export import versions
    from tfft.export.saved_model import export_run

    _newest_before.append(versions.resolve(_EXPORT_DIR.value))
    path, report = export_run(_WORKDIR.value, _EXPORT_DIR.value,
                              _KEEP.value, _ALLOW_OPS.value)
    print(f"exported {path}")
    print(f"ops: {report.summary()}")


_newest_before = []  # the newest version when the export began


def _left_behind():
    from tfft.export import versions

    newest = versions.resolve(_EXPORT_DIR.value)
    if _newest_before and newest != _newest_before[0]:
        # Interrupted after the rename: the version is complete.
        return f"{newest} was written completely before that"
    return (f"no new version was written to {_EXPORT_DIR.value} (the "
            f"newest is {newest or 'none'}); rerun the same command")


def run():
    common.run_app(main, outputs=lambda: [_EXPORT_DIR.value],
                   left_behind=_left_behind)


if __name__ == "__main__":
    run()
