"""Sharing a run on a Hugging Face Hub (or the hub `HF_ENDPOINT` names).

The repo's root is the run's `model/` (so the libraries' own classes and
`tfft.pipeline` load the repo as they load the folder), plus the card
(`README.md`), `tfft_config.json` (the resolved config), `metrics.json`,
`history.csv`, the training curve and, if the run has one, the SavedModel
under `saved_model/<version>/` (TF Serving's layout).

Uploads go through `huggingface_hub.HfApi` (`create_repo`,
`create_commit`); files the repo already holds unchanged are not sent
again (the client compares hashes with the hub's before uploading). The
token is the client's own (`HF_TOKEN` or `huggingface-cli login`): tfft
never reads, stores or prints it, and strips it from error messages.
"""

import os

from tfft import run_folder
from tfft import trained
from tfft.errors import UserError
from tfft.errors import first_line

CONFIG_IN_REPO = "tfft_config.json"
EXPORT_IN_REPO = "saved_model"
RUN_FILES = {  # run folder file -> path in the repo
    "README.md": "README.md",
    run_folder.CONFIG: CONFIG_IN_REPO,
    run_folder.METRICS: run_folder.METRICS,
    run_folder.HISTORY: run_folder.HISTORY,
    run_folder.CURVE: run_folder.CURVE,
}


def folder_files(directory: str, prefix: str = "") -> dict:
    """{path in repo: local path} for every file under `directory`."""
    files = {}
    for root, dirs, names in os.walk(directory):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(names):
            if name.startswith("."):
                continue  # temporary files of atomic writes
            local = os.path.join(root, name)
            relative = os.path.relpath(local, directory).replace(os.sep, "/")
            files[f"{prefix}{relative}"] = local
    return files


def export_version(workdir: str, export_dir: str = "") -> str:
    """The SavedModel to share: the latest version in `export_dir`, else in
    the run's `export.dir`; "" if neither holds one."""
    from tfft import config as config_lib
    from tfft.export import versions

    if not export_dir:
        export_dir = config_lib.load_run_config(workdir).export.dir
    if not export_dir:
        return ""
    found = versions.resolve(export_dir)
    if found is None:
        raise UserError(f"{export_dir} holds no SavedModel; pass the "
                        "--export_dir of a tfft-export run, or none")
    return found


def run_files(workdir: str, saved_model: str = "") -> dict:
    """{path in repo: local path} of a finished run's shareable part."""
    run = run_folder.RunFolder(workdir)
    run.require_complete()
    if "native" not in trained.read_manifest(run.path(run_folder.MODEL)):
        # Written before tfft decided what the libraries may load: a
        # transformers / keras-hub task class would load it with a fresh
        # head and only a warning. Never publish that.
        raise UserError(
            f"{run.path(run_folder.MODEL)} was saved by an older tfft, whose "
            "model/ the libraries' task classes load with an untrained head;"
            " retrain it with this tfft before pushing")
    files = folder_files(run.path(run_folder.MODEL))
    for name, in_repo in RUN_FILES.items():
        if os.path.exists(run.path(name)):
            files[in_repo] = run.path(name)
    if saved_model:
        version = os.path.basename(os.path.normpath(saved_model))
        files.update(folder_files(saved_model,
                                  f"{EXPORT_IN_REPO}/{version}/"))
    return files


class Hub:
    """`HfApi` with tfft's errors: every failure is one `UserError` line
    naming the hub, the problem and the fix, without the token."""

    def __init__(self):
        from huggingface_hub import HfApi

        self.api = HfApi()  # HF_ENDPOINT, HF_TOKEN: the client's own
        self.endpoint = self.api.endpoint

    def preflight(self, repo_id: str) -> None:
        """What can be known before anything is written or sent: the
        client is online and `repo_id` is a valid name."""
        from huggingface_hub import constants
        from huggingface_hub.utils import HFValidationError
        from huggingface_hub.utils import validate_repo_id

        if constants.HF_HUB_OFFLINE:
            raise UserError(describe_offline())
        try:
            validate_repo_id(repo_id)
        except HFValidationError as e:
            raise UserError(f"--repo_id {repo_id!r} is not a hub repo name "
                            f"({first_line(e)}); use NAMESPACE/NAME") from e

    def push(self, repo_id: str, files: dict, message: str,
             private: bool = False, revision: str = "") -> dict:
        """Creates the repo (and branch) if needed and commits `files`;
        returns {"commit": url, "changed": files sent, "files": total}."""
        from huggingface_hub import CommitOperationAdd

        with self._errors(repo_id):
            self.api.create_repo(repo_id, private=private, exist_ok=True)
            if revision:
                self.api.create_branch(repo_id, branch=revision,
                                       exist_ok=True)
            operations = [CommitOperationAdd(path_in_repo=p,
                                             path_or_fileobj=local)
                          for p, local in sorted(files.items())]
            info = self.api.create_commit(
                repo_id, operations, commit_message=message,
                revision=revision or None)
        changed = sum(op._remote_oid is None
                      or op._remote_oid != op._local_oid
                      for op in operations)
        return {"commit": str(info.commit_url), "changed": changed,
                "files": len(operations)}

    def _errors(self, repo_id):
        return _HubErrors(self.endpoint, repo_id)


class _HubErrors:
    def __init__(self, endpoint, repo_id):
        self.endpoint, self.repo_id = endpoint, repo_id

    def __enter__(self):
        return self

    def __exit__(self, kind, error, tb):
        if error is None or isinstance(error, (UserError, KeyboardInterrupt)):
            return False
        raise UserError(redact(describe(error, self.endpoint,
                                        self.repo_id))) from None


def describe(error: Exception, endpoint: str, repo_id: str) -> str:
    """One line for a failed hub call."""
    import requests
    from huggingface_hub.errors import HfHubHTTPError
    from huggingface_hub.errors import OfflineModeIsEnabled

    if isinstance(error, OfflineModeIsEnabled):
        return describe_offline()
    if isinstance(error, HfHubHTTPError) and error.response is not None:
        status = error.response.status_code
        if status == 401:
            return (f"the hub at {endpoint} refused the credentials (401 "
                    "Unauthorized); set HF_TOKEN to a token with write "
                    "access (or run `huggingface-cli login`)")
        if status == 403:
            return (f"the hub at {endpoint} denied writing to {repo_id} (403 "
                    "Forbidden); use a token with write access to that "
                    "namespace, or another --repo_id")
        return (f"the hub at {endpoint} answered {status} while pushing "
                f"{repo_id}: {first_line(error)}")
    if isinstance(error, (requests.ConnectionError, requests.Timeout)):
        return (f"cannot reach the hub at {endpoint} ({type(error).__name__})"
                "; check HF_ENDPOINT and the network, then push again")
    return f"pushing {repo_id} to {endpoint} failed: {first_line(error)}"


def describe_offline() -> str:
    return ("the hub client is offline (HF_HUB_OFFLINE is set); unset it to "
            "push")


def redact(text: str) -> str:
    """`text` without the hub token, wherever it appears."""
    from huggingface_hub import get_token

    token = get_token()
    return text.replace(token, "***") if token else text
