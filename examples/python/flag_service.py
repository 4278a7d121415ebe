"""A small web service that checks a feature flag on every request, locally.

    python examples/python/flag_service.py --hotstate http://127.0.0.1:7700 --port 8080
    curl -H 'X-User: ada' localhost:8080/checkout
    hotstate put flags new-checkout '{"state": "ENABLED", "variants": {"new": "new", "classic": "classic"},
      "defaultVariant": "classic", "targeting": {"fractional": [["new", 50], ["classic", 50]]}}'

The flag (flagd's format, docs/flags.md) is compiled in the process when it arrives and
evaluated there on every request: no network wait, and the service keeps answering from
the last known flags if hotstated goes away. Uses only the standard library besides hotstate.
"""

from __future__ import annotations

import argparse
import json
import logging
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import hotstate

def checkout_variant(client: hotstate.Client, user: str) -> str:
    """The flag check itself: a local evaluation, under a microsecond. A missing or broken
    flag gives the default ("classic"); the same user always gets the same variant."""
    return client.evaluate_string("flags", "new-checkout", "classic", {"targetingKey": user})


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
    with hotstate.Client(args.hotstate, flag_collections=["flags"], cache_path="flags.cache") as client:
        try:
            client.wait_ready(timeout=5)
        except hotstate.TimeoutError:
            logging.warning("hotstated not reachable; serving from the cache/defaults meanwhile")

        def log_flag_changes(batch: hotstate.ChangeBatch) -> None:
            for change in batch:
                logging.info("flag %s changed at revision %d", change.key, batch.revision)

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
