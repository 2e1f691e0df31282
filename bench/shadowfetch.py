#!/usr/bin/env python3
"""The least a pull-through cache must do, and nothing more: for bench/mirror.sh --floor.

Fetches one image's manifest and blobs from a registry (Basic auth), one blob after another, and for each blob
reads the body in 1 MiB pieces, hashes it (SHA-256), writes it to a file, fdatasyncs the file and checks the digest:
what a cache does to keep what it serves, without serving anything, without a database and without an HTTP server
of its own. Run beside a direct pull of the same image, it shows how much the storing alone slows the client on the
same machine; a cache that also serves the client cannot be faster than that.

With a FIFO it starts as a running cache would be: loaded, then waiting. It opens the FIFO and starts fetching when
its writer closes it (the caller's go), and when done waits until the FIFO is opened for writing again, so that its
caller can read its CPU from /proc while the client still pulls. It prints "<seconds from the go to the last
fdatasync> <CPU seconds used after the go>".

Usage: shadowfetch.py HOST:PORT REPOSITORY TAG USER PASSWORD OUTDIR [FIFO]
"""
import base64
import hashlib
import http.client
import json
import os
import resource
import sys
import time

MANIFEST_TYPES = ", ".join([
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.v2+json",
])
PIECE = 1 << 20


def cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main():
    host, repo, tag, user, password, outdir = sys.argv[1:7]
    fifo = sys.argv[7] if len(sys.argv) > 7 else None
    if fifo:
        with open(fifo) as go:
            go.read()
    start = time.monotonic()
    cpu_start = cpu_seconds()
    auth = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
    conn = http.client.HTTPConnection(host)
    conn.request("GET", f"/v2/{repo}/manifests/{tag}", headers={"Authorization": auth, "Accept": MANIFEST_TYPES})
    response = conn.getresponse()
    if response.status != 200:
        sys.exit(f"manifest: HTTP {response.status}")
    manifest = json.loads(response.read())
    os.makedirs(outdir, exist_ok=True)
    buffer = bytearray(PIECE)
    view = memoryview(buffer)
    for blob in [manifest["config"]] + manifest["layers"]:
        digest = blob["digest"]
        conn.request("GET", f"/v2/{repo}/blobs/{digest}", headers={"Authorization": auth})
        response = conn.getresponse()
        if response.status != 200:
            sys.exit(f"{digest}: HTTP {response.status}")
        sha = hashlib.sha256()
        path = os.path.join(outdir, digest.replace(":", "-"))
        with open(path, "wb", buffering=0) as out:
            while True:
                n = response.readinto(view)
                if not n:
                    break
                sha.update(view[:n])
                out.write(view[:n])
            os.fdatasync(out.fileno())
        if "sha256:" + sha.hexdigest() != digest:
            sys.exit(f"{digest}: the body hashes to sha256:{sha.hexdigest()}")
    print(f"{time.monotonic() - start:.3f} {cpu_seconds() - cpu_start:.3f}", flush=True)
    if fifo:
        with open(fifo):
            pass


if __name__ == "__main__":
    main()
