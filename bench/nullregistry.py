#!/usr/bin/env python3
"""A registry that takes pushes and keeps nothing: the clients' ceiling for bench/headline.sh.

It answers the push half of the distribution protocol (GET /v2/, HEAD blob, POST upload, PATCH, PUT, manifest PUT)
and discards every byte it is sent: no hashing, no disk, no auth. A push to it costs the server almost nothing, so
its MB/s is what the client itself (skopeo, docker) can send on this machine. The headline prints it as a
secondary line, to tell a server-bound push from a client-bound one. It is a measuring tool, never a registry:
pulls of anything answer 404.

    python3 bench/nullregistry.py PORT [--keep DIR [--sha256] [--fsync] [--retain]]

With --keep it also does the least a real registry must do with an upload, as steps to measure one at a time:
each upload's bytes are appended to a file of its own in DIR (--sha256: and hashed as they arrive; --fsync: the
file is fsynced when the upload's PUT arrives, as a registry makes a blob durable before it answers 201), and the
file is removed at that PUT, unless --retain: then it stays, as a registry keeps its blobs. On a VM that hands freed
memory back to its host, writing into pages just freed costs less than writing into fresh ones, which is what a
registry does. docs/benchmarks-journal.md ("What run AD adds") has what each step cost a skopeo push.
"""
import argparse
import hashlib
import os
import sys
import uuid
from urllib.parse import parse_qs, urlsplit
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# Blob sizes by digest and upload sizes by upload path: docker HEADs each blob after its PUT and wants its size.
BLOBS = {}
# With --keep: per upload path, the open file its bytes go to and the hash of what arrived so far.
FILES = {}
HASHES = {}
OPTIONS = None
UPLOADS = {}


class NullRegistry(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def answer(self, code, headers=()):
        self.send_response(code)
        self.send_header("Docker-Distribution-API-Version", "registry/2.0")
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def discard_body(self, upload=None):
        """Reads the request body (chunked or sized) and returns how many bytes it had; with --keep, an upload's
        bytes go to its file."""
        total = 0
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return total
                total += self.skip(size, upload)
                self.rfile.readline()
        return total + self.skip(int(self.headers.get("Content-Length", "0")), upload)

    def skip(self, n, upload=None):
        left = n
        out = FILES.get(upload)
        digest = HASHES.get(upload)
        while left:
            data = self.rfile.read(min(left, 1 << 20))
            if not data:
                break
            if out is not None:
                out.write(data)
            if digest is not None:
                digest.update(data)
            left -= len(data)
        return n - left

    def do_GET(self):
        self.discard_body()
        self.answer(200 if self.path == "/v2/" else 404)

    def do_HEAD(self):
        digest = self.path.rsplit("/", 1)[-1]
        if self.path == "/v2/":
            self.answer(200)
        elif "/blobs/" in self.path and digest in BLOBS:
            self.send_response(200)
            self.send_header("Content-Length", str(BLOBS[digest]))
            self.send_header("Docker-Content-Digest", digest)
            self.end_headers()
        else:
            self.answer(404)

    def do_POST(self):
        self.discard_body()
        repository = self.path.split("/blobs/")[0]
        self.answer(202, [("Location", repository + "/blobs/uploads/" + uuid.uuid4().hex), ("Range", "0-0")])

    def do_PATCH(self):
        upload = urlsplit(self.path).path
        self.open_file(upload)
        UPLOADS[upload] = UPLOADS.get(upload, 0) + self.discard_body(upload)
        self.answer(202, [("Location", upload), ("Range", "0-%d" % max(0, UPLOADS[upload] - 1))])

    def do_PUT(self):
        if "/manifests/" in self.path:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            self.answer(201, [("Docker-Content-Digest", "sha256:" + hashlib.sha256(body).hexdigest())])
            return
        url = urlsplit(self.path)
        self.open_file(url.path)
        size = self.discard_body(url.path) + UPLOADS.pop(url.path, 0)
        self.close_file(url.path)
        digest = parse_qs(url.query).get("digest", [""])[0]
        if not digest:
            self.answer(400)
            return
        BLOBS[digest] = size
        repository = self.path.split("/blobs/")[0]
        self.answer(201, [("Location", repository + "/blobs/" + digest), ("Docker-Content-Digest", digest)])

    def open_file(self, upload):
        if OPTIONS.keep and upload not in FILES:
            FILES[upload] = open(os.path.join(OPTIONS.keep, uuid.uuid4().hex), "wb", buffering=0)
            if OPTIONS.sha256:
                HASHES[upload] = hashlib.sha256()

    def close_file(self, upload):
        out = FILES.pop(upload, None)
        HASHES.pop(upload, None)
        if out is not None:
            if OPTIONS.fsync:
                os.fsync(out.fileno())
            out.close()
            if not OPTIONS.retain:
                os.remove(out.name)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="a registry that takes pushes and keeps nothing")
    parser.add_argument("port", type=int)
    parser.add_argument("--keep", metavar="DIR", help="write each upload to a file in DIR until its PUT")
    parser.add_argument("--sha256", action="store_true", help="with --keep: hash each upload as it arrives")
    parser.add_argument("--fsync", action="store_true", help="with --keep: fsync each upload's file at its PUT")
    parser.add_argument("--retain", action="store_true", help="with --keep: leave each upload's file in DIR after its PUT")
    OPTIONS = parser.parse_args()
    ThreadingHTTPServer(("127.0.0.1", OPTIONS.port), NullRegistry).serve_forever()
