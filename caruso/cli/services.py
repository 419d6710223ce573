"""``caruso services``: the services of a running server with their health, or the configured ones."""

from __future__ import annotations

import argparse
import json
import urllib.error
import urllib.request

from caruso.config import load_config
from caruso.core.descriptors import read_descriptors
from caruso.server import descriptor_folders


def run(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    url = f"http://{config.web.host}:{config.web.port}/health"
    try:
        with urllib.request.urlopen(url, timeout=3) as resp:
            body = json.load(resp)
    except urllib.error.HTTPError as exc:  # 503 still carries the report
        body = json.load(exc)
    except (urllib.error.URLError, OSError):
        body = None
    if body is not None:
        if args.json:
            print(json.dumps(body, indent=2))
            return 0
        print(f"Caruso {body.get('version', '?')} at {url}: {body['status']}")
        for name, h in body["services"].items():
            print(f"  {name:<12} {h['state']:<9} {h['reason']}")
        return 0 if body["status"] != "down" else 1
    descriptors = read_descriptors(descriptor_folders(config))
    rows = [{"name": d.name, "class": d.class_path, "depends_on": list(d.depends_on),
             "active": d.active(config), "file": str(d.file)} for d in descriptors]
    if args.json:
        print(json.dumps({"status": "not running", "services": rows}, indent=2))
        return 0
    print(f"No Caruso answers at {url}; configured services:")
    for row in rows:
        state = "enabled" if row["active"] else "disabled"
        deps = ", ".join(row["depends_on"]) or "-"
        print(f"  {row['name']:<12} {state:<9} {row['class']}  (depends on: {deps})")
    return 0


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("services", help="list services and their health",
                       description="Ask the running server (web port from the config) for each service's "
                                   "health; if none answers, list the configured services.")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=run)
