"""A loopback stand-in of the Hugging Face Hub endpoints that `huggingface_hub` and `datasets` call.

The Hub is unreachable from CI, and no open-source server offers its write API, so the publish
tests run the *unmodified* clients against this one: stdlib `http.server` in a thread on
127.0.0.1, git-like state (commits, branches, tags) in memory, file contents in a temporary
folder. Only dataset repos, and exactly the endpoints
the publish flow and `load_dataset(repo, config, revision=tag)` hit:

    POST /api/repos/create                                  create (409 if it exists)
    GET  /api/datasets/<repo>[/revision/<rev>]              repo info (sha, siblings)
    GET  /api/datasets/<repo>/refs                          branches and tags
    POST /api/validate-yaml                                 README check (accepts any YAML)
    POST /api/datasets/<repo>/preupload/<rev>               upload mode: parquet -> lfs, else regular
    POST /datasets/<repo>.git/info/lfs/objects/batch        LFS batch, `basic` transfer
    PUT  /lfs-upload/<sha256>                               LFS object upload
    POST /api/datasets/<repo>/commit/<rev>                  ndjson commit (file, lfsFile, deletedFile)
    POST /api/datasets/<repo>/tag/<rev>                     create a tag (409 if it exists)
    GET  /api/datasets/<repo>/tree/<rev>[/<path>]           listing (?recursive=)
    POST /api/datasets/<repo>/paths-info/<rev>              file/folder info
    HEAD|GET /datasets/<repo>/resolve/<rev>/<path>          download, with ETag, X-Repo-Commit,
                                                            Content-Length, Range

Anything else is answered 404 and (but for `TOLERATED`) recorded in `unhandled`, so a test sees what the client tried.
What it does not prove: the Hub's YAML rules, auth, Xet, rate limits.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import threading
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

LFS_SUFFIXES = (".parquet", ".arrow", ".bin")
# Optional registry the client fetches once a day and does without when it fails.
TOLERATED = {"/api/agent-harnesses"}
GITATTRIBUTES = b"*.parquet filter=lfs diff=lfs merge=lfs -text\n"


def git_blob_sha1(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


@dataclass
class Entry:
    sha256: str
    size: int
    lfs: bool
    blob: str            # git blob sha1 (of the LFS pointer for LFS files, as git does)


@dataclass
class Commit:
    oid: str
    parent: str | None
    message: str
    files: dict[str, Entry]


@dataclass
class Repo:
    repo_id: str
    private: bool
    commits: dict[str, Commit] = field(default_factory=dict)
    branches: dict[str, str] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)

    def resolve(self, revision: str) -> Commit | None:
        revision = unquote(revision)
        oid = self.branches.get(revision) or self.tags.get(revision)
        if oid is None and revision in self.commits:
            oid = revision
        return self.commits.get(oid) if oid else None


class HubStandIn:
    """Start with `serve()`; `endpoint` is the value for HF_ENDPOINT; `close()` stops it."""

    def __init__(self, storage: Path):
        self.storage = Path(storage)
        self.storage.mkdir(parents=True, exist_ok=True)
        self.repos: dict[str, Repo] = {}
        self.hits: Counter = Counter()
        self.unhandled: list[str] = []
        self.lock = threading.Lock()
        self.server: ThreadingHTTPServer | None = None

    # storage
    def put_object(self, data: bytes) -> str:
        digest = hashlib.sha256(data).hexdigest()
        path = self.storage / digest
        if not path.exists():
            path.write_bytes(data)
        return digest

    def get_object(self, digest: str) -> bytes:
        return (self.storage / digest).read_bytes()

    def has_object(self, digest: str) -> bool:
        return (self.storage / digest).exists()

    def new_commit(self, repo: Repo, parent: str | None, message: str, files: dict[str, Entry]) -> Commit:
        payload = json.dumps([parent, message, sorted((p, e.sha256) for p, e in files.items()),
                              len(repo.commits)]).encode()
        commit = Commit(hashlib.sha1(payload).hexdigest(), parent, message, files)
        repo.commits[commit.oid] = commit
        return commit

    def create_repo(self, repo_id: str, private: bool) -> bool:
        with self.lock:
            if repo_id in self.repos:
                return False
            repo = Repo(repo_id, private)
            digest = self.put_object(GITATTRIBUTES)
            entry = Entry(digest, len(GITATTRIBUTES), False, git_blob_sha1(GITATTRIBUTES))
            repo.branches["main"] = self.new_commit(repo, None, "initial commit",
                                                    {".gitattributes": entry}).oid
            self.repos[repo_id] = repo
            return True

    # server
    @property
    def endpoint(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def serve(self) -> HubStandIn:
        hub = self

        class Handler(_Handler):
            pass

        Handler.hub = hub
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def close(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()


REPO = r"(?P<repo>[^/]+/[^/]+?)"
ROUTES = [
    ("POST", re.compile(r"/api/repos/create"), "create"),
    ("POST", re.compile(r"/api/validate-yaml"), "validate_yaml"),
    ("GET", re.compile(rf"/api/datasets/{REPO}/refs"), "refs"),
    ("GET", re.compile(rf"/api/datasets/{REPO}/revision/(?P<rev>[^/]+)"), "info"),
    ("GET", re.compile(rf"/api/datasets/{REPO}/tree/(?P<rev>[^/]+)(?:/(?P<path>.*))?"), "tree"),
    ("POST", re.compile(rf"/api/datasets/{REPO}/paths-info/(?P<rev>[^/]+)"), "paths_info"),
    ("POST", re.compile(rf"/api/datasets/{REPO}/preupload/(?P<rev>[^/]+)"), "preupload"),
    ("POST", re.compile(rf"/api/datasets/{REPO}/commit/(?P<rev>[^/]+)"), "commit"),
    ("POST", re.compile(rf"/api/datasets/{REPO}/tag/(?P<rev>[^/]+)"), "tag"),
    ("GET", re.compile(rf"/api/datasets/{REPO}"), "info"),
    ("POST", re.compile(rf"/datasets/{REPO}\.git/info/lfs/objects/batch"), "lfs_batch"),
    ("PUT", re.compile(r"/lfs-upload/(?P<oid>[0-9a-f]{64})"), "lfs_put"),
    ("GET", re.compile(rf"/datasets/{REPO}/resolve/(?P<rev>[^/]+)/(?P<path>.+)"), "resolve"),
    ("HEAD", re.compile(rf"/datasets/{REPO}/resolve/(?P<rev>[^/]+)/(?P<path>.+)"), "resolve"),
]


class _Handler(BaseHTTPRequestHandler):
    hub: HubStandIn
    protocol_version = "HTTP/1.1"

    def log_message(self, *args) -> None:  # keep pytest output clean
        pass

    def _dispatch(self, method: str) -> None:
        url = urlsplit(self.path)
        self.query = parse_qs(url.query)
        length = int(self.headers.get("Content-Length") or 0)
        self.body = self.rfile.read(length) if length else b""
        for verb, pattern, name in ROUTES:
            match = pattern.fullmatch(url.path)
            if verb == method and match:
                self.hub.hits[name] += 1
                params = {k: v for k, v in match.groupdict().items() if v is not None}
                if "repo" in params and name != "create":
                    repo = self.hub.repos.get(unquote(params.pop("repo")))
                    if repo is None:
                        return self._error(404, "Repository not found", error_code="RepoNotFound")
                    params["repo"] = repo
                return getattr(self, f"do_{name}")(**params)
        if url.path not in TOLERATED:
            self.hub.unhandled.append(f"{method} {self.path}")
        self._error(404, f"stand-in: no route for {method} {url.path}")

    def do_GET(self) -> None:  # noqa: N802
        self._dispatch("GET")

    def do_POST(self) -> None:  # noqa: N802
        self._dispatch("POST")

    def do_PUT(self) -> None:  # noqa: N802
        self._dispatch("PUT")

    def do_HEAD(self) -> None:  # noqa: N802
        self._dispatch("HEAD")

    # replies
    def _send(self, status: int, body: bytes = b"", headers: dict | None = None, content_type="application/json"):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        for key, value in (headers or {}).items():
            self.send_header(key, str(value))
        if "Content-Length" not in (headers or {}):
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, value, status: int = 200, headers: dict | None = None) -> None:
        self._send(status, json.dumps(value).encode(), headers)

    def _error(self, status: int, message: str, error_code: str | None = None) -> None:
        headers = {"X-Error-Message": message}
        if error_code:
            headers["X-Error-Code"] = error_code
        self._json({"error": message}, status, headers)

    def _commit(self, repo: Repo, rev: str) -> Commit | None:
        commit = repo.resolve(rev)
        if commit is None:
            self._error(404, f"Invalid rev id: {unquote(rev)}", error_code="RevisionNotFound")
        return commit

    # endpoints
    def do_create(self) -> None:
        payload = json.loads(self.body)
        repo_id = f"{payload['organization']}/{payload['name']}" if payload.get("organization") else payload["name"]
        if payload.get("type") != "dataset":
            return self._error(400, "the stand-in only holds dataset repos")
        if not self.hub.create_repo(repo_id, payload.get("visibility") == "private" or bool(payload.get("private"))):
            return self._json({"error": "You already created this dataset repo",
                               "url": f"{self.hub.endpoint}/datasets/{repo_id}"}, 409)
        self._json({"url": f"{self.hub.endpoint}/datasets/{repo_id}", "name": repo_id})

    def do_validate_yaml(self) -> None:
        self._json({"errors": [], "warnings": []})

    def do_refs(self, repo: Repo) -> None:
        def refs(items, kind):
            return [{"name": name, "ref": f"refs/{kind}/{name}", "targetCommit": oid} for name, oid in sorted(items)]
        self._json({"branches": refs(repo.branches.items(), "heads"), "tags": refs(repo.tags.items(), "tags"),
                    "converts": []})

    def do_info(self, repo: Repo, rev: str = "main") -> None:
        commit = self._commit(repo, rev)
        if commit is None:
            return
        self._json({"id": repo.repo_id, "_id": repo.repo_id, "sha": commit.oid, "private": repo.private,
                    "disabled": False, "gated": False, "downloads": 0, "likes": 0, "tags": [],
                    "lastModified": "2026-01-01T00:00:00.000Z", "createdAt": "2026-01-01T00:00:00.000Z",
                    "siblings": [{"rfilename": path} for path in sorted(commit.files)], "cardData": {}})

    def _file_entry(self, path: str, entry: Entry) -> dict:
        item = {"type": "file", "oid": entry.blob, "size": entry.size, "path": path}
        if entry.lfs:
            item["lfs"] = {"oid": entry.sha256, "size": entry.size, "pointerSize": 134}
        return item

    def _listing(self, commit: Commit, base: str, recursive: bool) -> list[dict] | None:
        base = base.strip("/")
        prefix = f"{base}/" if base else ""
        if base and base in commit.files:
            return None
        items, folders = [], set()
        for path, entry in sorted(commit.files.items()):
            if not path.startswith(prefix):
                continue
            rest = path[len(prefix):].split("/")
            for depth in range(1, len(rest)):
                if recursive or depth == 1:
                    folders.add(prefix + "/".join(rest[:depth]))
            if recursive or len(rest) == 1:
                items.append(self._file_entry(path, entry))
        if base and not items and not folders:
            return None
        dirs = [{"type": "directory", "oid": hashlib.sha1(f.encode()).hexdigest(), "size": 0, "path": f}
                for f in sorted(folders)]
        return dirs + items

    def do_tree(self, repo: Repo, rev: str, path: str = "") -> None:
        commit = self._commit(repo, rev)
        if commit is None:
            return
        recursive = self.query.get("recursive", ["false"])[0].lower() in ("true", "1")
        listing = self._listing(commit, unquote(path), recursive)
        if listing is None:
            return self._error(404, f"{path} does not exist on {rev}", error_code="EntryNotFound")
        self._json(listing)

    def do_paths_info(self, repo: Repo, rev: str) -> None:
        commit = self._commit(repo, rev)
        if commit is None:
            return
        if "json" in (self.headers.get("Content-Type") or ""):
            paths = json.loads(self.body).get("paths", [])
        else:
            paths = parse_qs(self.body.decode()).get("paths", [])
        out = []
        for path in paths:
            path = path.strip("/")
            if path in commit.files:
                out.append(self._file_entry(path, commit.files[path]))
            elif any(p.startswith(path + "/") for p in commit.files):
                out.append({"type": "directory", "oid": hashlib.sha1(path.encode()).hexdigest(), "size": 0,
                            "path": path})
        self._json(out)

    def do_preupload(self, repo: Repo, rev: str) -> None:
        commit = self._commit(repo, rev)
        if commit is None:
            return
        files = []
        for item in json.loads(self.body)["files"]:
            lfs = item["path"].endswith(LFS_SUFFIXES)
            existing = commit.files.get(item["path"])
            oid = None
            if existing is not None:
                oid = existing.sha256 if existing.lfs else existing.blob
            files.append({"path": item["path"], "uploadMode": "lfs" if lfs else "regular",
                          "shouldIgnore": False, "oid": oid})
        self._json({"files": files, "commitOid": commit.oid})

    def do_lfs_batch(self, repo: Repo) -> None:
        payload = json.loads(self.body)
        objects = []
        for item in payload["objects"]:
            obj = {"oid": item["oid"], "size": item["size"]}
            if not self.hub.has_object(item["oid"]):
                obj["actions"] = {"upload": {"href": f"{self.hub.endpoint}/lfs-upload/{item['oid']}", "header": {}}}
            objects.append(obj)
        self._json({"transfer": "basic", "objects": objects})

    def do_lfs_put(self, oid: str) -> None:
        if hashlib.sha256(self.body).hexdigest() != oid:
            return self._error(400, "content does not match its oid")
        self.hub.put_object(self.body)
        self._send(200, b"")

    def do_commit(self, repo: Repo, rev: str) -> None:
        branch = unquote(rev)
        with self.hub.lock:
            if branch not in repo.branches:
                return self._error(404, f"Invalid rev id: {branch}", error_code="RevisionNotFound")
            head = repo.commits[repo.branches[branch]]
            files = dict(head.files)
            header = {}
            for line in self.body.splitlines():
                if not line.strip():
                    continue
                item = json.loads(line)
                key, value = item["key"], item["value"]
                if key == "header":
                    header = value
                elif key == "file":
                    data = base64.b64decode(value["content"])
                    files[value["path"]] = Entry(self.hub.put_object(data), len(data), False, git_blob_sha1(data))
                elif key == "lfsFile":
                    if not self.hub.has_object(value["oid"]):
                        return self._error(422, f"LFS object {value['oid']} was not uploaded")
                    pointer = (f"version https://git-lfs.github.com/spec/v1\noid sha256:{value['oid']}\n"
                               f"size {value['size']}\n").encode()
                    files[value["path"]] = Entry(value["oid"], value["size"], True, git_blob_sha1(pointer))
                elif key == "deletedFile":
                    if files.pop(value["path"], None) is None:
                        return self._error(404, "A file with this name doesn't exist", error_code="EntryNotFound")
                elif key == "deletedFolder":
                    prefix = value["path"].rstrip("/") + "/"
                    files = {p: e for p, e in files.items() if not p.startswith(prefix)}
                else:
                    return self._error(400, f"stand-in: unsupported commit operation {key}")
            parent = header.get("parentCommit")
            if parent and parent != head.oid:
                return self._error(412, "A commit has happened since. Please refresh and try again.")
            commit = self.hub.new_commit(repo, head.oid, header.get("summary", ""), files)
            repo.branches[branch] = commit.oid
        self._json({"commitUrl": f"{self.hub.endpoint}/datasets/{repo.repo_id}/commit/{commit.oid}",
                    "commitOid": commit.oid, "success": True})

    def do_tag(self, repo: Repo, rev: str) -> None:
        payload = json.loads(self.body)
        with self.hub.lock:
            commit = self._commit(repo, rev)
            if commit is None:
                return
            if payload["tag"] in repo.tags:
                return self._error(409, f"Tag {payload['tag']} already exists")
            repo.tags[payload["tag"]] = commit.oid
        self._json({})

    def do_resolve(self, repo: Repo, rev: str, path: str) -> None:
        commit = self._commit(repo, rev)
        if commit is None:
            return
        path = unquote(path)
        entry = commit.files.get(path)
        if entry is None:
            return self._error(404, f"Entry not found: {path}", error_code="EntryNotFound")
        data = self.hub.get_object(entry.sha256)
        headers = {"X-Repo-Commit": commit.oid, "Accept-Ranges": "bytes",
                   "ETag": f'"{entry.sha256 if entry.lfs else entry.blob}"'}
        if entry.lfs:
            headers["X-Linked-Etag"] = f'"{entry.sha256}"'
            headers["X-Linked-Size"] = str(entry.size)
        status = 200
        byte_range = re.fullmatch(r"bytes=(\d*)-(\d*)", self.headers.get("Range") or "")
        if byte_range:
            first, last = byte_range.groups()
            if first == "":
                start, end = max(len(data) - int(last), 0), len(data) - 1
            else:
                start, end = int(first), min(int(last) if last else len(data) - 1, len(data) - 1)
            if start >= len(data) and len(data):
                return self._send(416, b"", {"Content-Range": f"bytes */{len(data)}"})
            headers["Content-Range"] = f"bytes {start}-{end}/{len(data)}"
            data = data[start:end + 1]
            status = 206
        headers["Content-Length"] = str(len(data))
        self._send(status, data, headers, content_type="application/octet-stream")
