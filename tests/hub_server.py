"""A Hugging Face Hub on loopback: the endpoints the installed
`huggingface_hub` calls to log in, create a repo and a branch, and upload
files (pre-upload, LFS batch + object upload, commit, repo info), with the
files kept in memory so tests can compare them with what was pushed.

Point the client at it with `HF_ENDPOINT` (subprocesses) or
`HfApi(endpoint=...)`. `mode` makes it misbehave: "ok", "500" (every
request fails) or "slow" (every request waits `delay` seconds first).
"""

import base64
import hashlib
import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler
from http.server import ThreadingHTTPServer

LFS_SUFFIXES = (".h5", ".keras", ".npz", ".safetensors", ".pb", ".png",
                ".data-00000-of-00001", ".index", ".bin")


def git_sha1(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


class Hub:
    def __init__(self, token: str, mode: str = "ok", delay: float = 0.0):
        self.token = token
        self.mode = mode
        self.delay = delay
        self.repos = {}  # repo_id -> {"private", "branches": {rev: files}}
        self.objects = {}  # sha256 -> bytes (LFS storage)
        self.content_bytes = 0  # file bytes received (LFS + inline)
        self.requests = []  # (method, path)
        self.commits = []  # (repo_id, revision, summary)
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._server.shutdown()
        self._server.server_close()

    def files(self, repo_id, revision="main") -> dict:
        return dict(self.repos[repo_id]["branches"][revision])


def _handler(hub):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        # -- plumbing ---------------------------------------------------
        def _body(self):
            n = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(n) if n else b""

        def _send(self, status, payload=None):
            data = json.dumps(payload if payload is not None else {}).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _authorized(self):
            auth = self.headers.get("Authorization", "")
            if auth == f"Bearer {hub.token}":
                return True
            self._send(401, {"error": "Invalid credentials in Authorization "
                                      "header"})
            return False

        def _dispatch(self, method):
            body = self._body()
            with hub._lock:
                hub.requests.append((method, self.path))
            if hub.mode == "slow":
                time.sleep(hub.delay)
            if hub.mode == "500":
                return self._send(500, {"error": "Internal Error"})
            path = self.path.split("?")[0]
            for pattern, name in ROUTES:
                match = re.fullmatch(pattern, path)
                if match and name.startswith(method.lower() + "_"):
                    return getattr(self, name)(body, *match.groups())
            self._send(404, {"error": f"no route {method} {path}"})

        def do_GET(self):
            self._dispatch("GET")

        def do_POST(self):
            self._dispatch("POST")

        def do_PUT(self):
            self._dispatch("PUT")

        # -- endpoints --------------------------------------------------
        def get_whoami(self, body):
            if self._authorized():
                self._send(200, {"type": "user", "name": "tester",
                                 "auth": {"accessToken": {"role": "write"}}})

        def post_validate_yaml(self, body):
            self._send(200, {"errors": [], "warnings": []})

        def post_create_repo(self, body):
            if not self._authorized():
                return
            request = json.loads(body)
            repo_id = "/".join(
                p for p in (request.get("organization") or "tester",
                            request["name"]) if p)
            with hub._lock:
                if repo_id in hub.repos:
                    return self._send(409, {
                        "error": "You already created this model repo",
                        "url": f"{hub.url}/{repo_id}"})
                hub.repos[repo_id] = {"private": bool(request.get("private")),
                                      "branches": {"main": {}}, "sha": {}}
            self._send(200, {"url": f"{hub.url}/{repo_id}"})

        def _repo(self, repo_id):
            repo = hub.repos.get(repo_id)
            if repo is None:
                self._send(404, {"error": "Repository not found"})
            return repo

        def post_branch(self, body, repo_id, branch):
            if not self._authorized() or (repo := self._repo(repo_id)) \
                    is None:
                return
            if branch in repo["branches"]:
                return self._send(409, {"error": "Branch already exists"})
            repo["branches"][branch] = dict(repo["branches"]["main"])
            self._send(200, {})

        def get_repo_info(self, body, repo_id, revision):
            if not self._authorized() or (repo := self._repo(repo_id)) \
                    is None:
                return
            files = repo["branches"].get(revision, {})
            self._send(200, {"id": repo_id, "private": repo["private"],
                             "sha": repo["sha"].get(revision, "0" * 40),
                             "siblings": [{"rfilename": p} for p in files]})

        def post_preupload(self, body, repo_id, revision):
            if not self._authorized() or (repo := self._repo(repo_id)) \
                    is None:
                return
            files = repo["branches"].get(revision, {})
            answer = []
            for f in json.loads(body)["files"]:
                lfs = f["size"] > 100_000 or f["path"].endswith(LFS_SUFFIXES)
                have = files.get(f["path"])
                oid = None
                if have is not None:
                    oid = (hashlib.sha256(have).hexdigest() if lfs
                           else git_sha1(have))
                answer.append({"path": f["path"], "shouldIgnore": False,
                               "uploadMode": "lfs" if lfs else "regular",
                               "oid": oid})
            self._send(200, {"files": answer})

        def post_lfs_batch(self, body, repo_id):
            if not self._authorized() or self._repo(repo_id) is None:
                return
            request = json.loads(body)
            objects = []
            for o in request["objects"]:
                entry = {"oid": o["oid"], "size": o["size"]}
                if o["oid"] not in hub.objects:
                    entry["actions"] = {"upload": {
                        "href": f"{hub.url}/lfs-upload/{o['oid']}"}}
                objects.append(entry)
            self._send(200, {"transfer": "basic", "objects": objects})

        def put_lfs_object(self, body, oid):
            if hashlib.sha256(body).hexdigest() != oid:
                return self._send(400, {"error": "sha256 mismatch"})
            with hub._lock:
                hub.objects[oid] = body
                hub.content_bytes += len(body)
            self._send(200, {})

        def post_commit(self, body, repo_id, revision):
            if not self._authorized() or (repo := self._repo(repo_id)) \
                    is None:
                return
            files = dict(repo["branches"].setdefault(revision, {}))
            summary = ""
            for line in body.decode().splitlines():
                item = json.loads(line)
                value = item["value"]
                if item["key"] == "header":
                    summary = value.get("summary", "")
                elif item["key"] == "file":
                    data = base64.b64decode(value["content"])
                    with hub._lock:
                        hub.content_bytes += len(data)
                    files[value["path"]] = data
                elif item["key"] == "lfsFile":
                    if value["oid"] not in hub.objects:
                        return self._send(400, {"error": "missing LFS "
                                                         "object"})
                    files[value["path"]] = hub.objects[value["oid"]]
                elif item["key"] == "deletedFile":
                    files.pop(value["path"], None)
            sha = hashlib.sha1(repr(sorted(
                (p, git_sha1(d)) for p, d in files.items())).encode()
            ).hexdigest()
            with hub._lock:
                repo["branches"][revision] = files
                repo["sha"][revision] = sha
                hub.commits.append((repo_id, revision, summary))
            self._send(200, {"commitUrl": f"{hub.url}/{repo_id}/commit/{sha}",
                             "commitOid": sha, "pullRequestUrl": None})

    return Handler


REPO = r"([^/]+/[^/]+)"
ROUTES = [
    (r"/api/whoami-v2", "get_whoami"),
    (r"/api/validate-yaml", "post_validate_yaml"),
    (r"/api/repos/create", "post_create_repo"),
    (rf"/api/models/{REPO}/branch/([^/]+)", "post_branch"),
    (rf"/api/models/{REPO}/revision/([^/]+)", "get_repo_info"),
    (rf"/api/models/{REPO}/preupload/([^/]+)", "post_preupload"),
    (rf"/{REPO}\.git/info/lfs/objects/batch", "post_lfs_batch"),
    (r"/lfs-upload/([0-9a-f]{64})", "put_lfs_object"),
    (rf"/api/models/{REPO}/commit/([^/]+)", "post_commit"),
]


if __name__ == "__main__":  # python -m tests.hub_server [TOKEN]
    import sys

    with Hub(sys.argv[1] if len(sys.argv) > 1 else "hf_loopback") as served:
        print(f"HF_ENDPOINT={served.url} HF_TOKEN={served.token}",
              flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass
