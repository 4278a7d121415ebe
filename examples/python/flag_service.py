"""A small web service that checks a feature flag on every request, locally.

    python examples/python/flag_service.py --hotstate http://127.0.0.1:7700 --port 8080
    curl localhost:8080/checkout
    hotstate put flags new-checkout '{"enabled": true, "percent": 50}'   # flips at once

The flag lives in the process (a hotstate replica): a request never waits on the
network, and the service keeps answering from the last known flags if hotstated goes
away. Uses only the standard library besides hotstate.
"""

from __future__ import annotations

import argparse
import json
import logging
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import hotstate

FLAG = ("flags", "new-checkout")


def checkout_variant(client: hotstate.Client, user: str) -> str:
    """The flag check itself: a local read, a few hundred nanoseconds."""
    flag = client.get(*FLAG, default={})
    if not isinstance(flag, dict) or not flag.get("enabled"):
        return "classic"
    bucket = zlib.crc32(user.encode()) % 100  # stable per user
    return "new" if bucket < flag.get("percent", 100) else "classic"


def make_handler(client: hotstate.Client) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            if self.path.startswith("/checkout"):
                user = self.headers.get("X-User", "anonymous")
                body = {"variant": checkout_variant(client, user), "state": client.status().state.value}
                self.send_response(200)
            else:
                body = {"error": "try /checkout"}
                self.send_response(404)
            payload = json.dumps(body).encode()
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: object) -> None:  # quiet
            pass

    return Handler


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--hotstate", default="http://127.0.0.1:7700", help="hotstated URL")
    parser.add_argument("--port", type=int, default=8080)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")

    # Open the client in the process that serves (after any fork), once, at start-up.
    with hotstate.Client(args.hotstate, collections=["flags"], cache_path="flags.cache") as client:
        try:
            client.wait_ready(timeout=5)
        except hotstate.TimeoutError:
            logging.warning("hotstated not reachable; serving from the cache/defaults meanwhile")

        def log_flag_changes(batch: hotstate.ChangeBatch) -> None:
            for change in batch:
                logging.info("flag %s: %s -> %s", change.key, change.old, change.new)

        client.on_change(log_flag_changes, collection="flags")
        server = ThreadingHTTPServer(("127.0.0.1", args.port), make_handler(client))
        print(f"serving on http://127.0.0.1:{server.server_address[1]}/checkout", flush=True)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()


if __name__ == "__main__":
    main()
