#!/usr/bin/env python3
"""An external stage for pipeline: stops the batch when a changed file still holds merge
conflict markers, so a half-resolved merge is never built or restarted.

It speaks the external-stage protocol, version 1 (Documentation/ExternalProtocol.md):
one JSON object per line on stdin and stdout; logs go to stderr.
"""
import json
import os
import sys

MARKERS = ("<<<<<<< ", ">>>>>>> ")


def send(message):
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def files_with_markers(root, changes, limit):
    found = []
    for change in changes:
        if change["kind"] == "removed":
            continue
        try:
            with open(os.path.join(root, change["path"]), encoding="utf-8", errors="replace") as handle:
                for number, line in enumerate(handle, start=1):
                    if line.startswith(MARKERS):
                        found.append(f"{change['path']}:{number}")
                        break
        except OSError:
            continue
        if len(found) >= limit:
            break
    return found


root, limit = ".", 10
for line in sys.stdin:
    message = json.loads(line)
    if message["type"] == "hello":
        if message["protocol"] != 1:
            send({"type": "error", "message": f"protocol {message['protocol']} is not supported"})
            break
        root = message["root"]
        limit = int(message["config"].get("limit", 10))
        send({"type": "ready", "protocol": 1})
    elif message["type"] == "batch":
        found = files_with_markers(root, message["changes"], limit)
        if found:
            send({"type": "result", "id": message["id"], "pass": False,
                  "message": "conflict markers in " + ", ".join(found)})
        else:
            send({"type": "event", "event": "output", "message": f"{len(message['changes'])} files clean"})
            send({"type": "result", "id": message["id"], "pass": True})
