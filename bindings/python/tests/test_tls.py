"""TLS: a client reads and writes over https:// with ca_file; a wrong CA never gets LIVE."""

from __future__ import annotations

import pathlib
import subprocess
from typing import Iterator

import pytest

import hotstate
from conftest import WAIT, Server, open_client

_MAKE_PKI = pathlib.Path(__file__).resolve().parents[3] / "tests" / "tls" / "make_test_pki.sh"


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> pathlib.Path:
    """A throwaway CA and server certificate (tests/tls/make_test_pki.sh)."""
    directory = tmp_path_factory.mktemp("pki")
    subprocess.run(["bash", str(_MAKE_PKI), str(directory)], check=True, capture_output=True)
    return directory


@pytest.fixture(scope="module")
def tls_server(pki: pathlib.Path) -> Iterator[Server]:
    s = Server(["--tls-cert", str(pki / "server.pem"), "--tls-key", str(pki / "server.key")])
    yield s
    s.stop()


def https_url(server: Server, host: str = "127.0.0.1") -> str:
    return f"https://{host}:{server.port}"


def test_reads_and_writes_over_https_with_ca_file(tls_server: Server, pki: pathlib.Path, collection: str) -> None:
    with open_client(https_url(tls_server), [collection], ca_file=str(pki / "ca.pem")) as reader, open_client(
        f"wss://localhost:{tls_server.port}", [collection], ca_file=pki / "ca.pem"  # os.PathLike too
    ) as writer:
        reader.wait_ready(timeout=WAIT)
        writer.wait_ready(timeout=WAIT)
        revision = writer.put(collection, "dark-mode", {"on": True})
        reader.wait_for_revision(revision, timeout=WAIT)
        assert reader.get(collection, "dark-mode") == {"on": True}
        assert reader.status().live
        reader.wait_for_revision(reader.delete(collection, "dark-mode"), timeout=WAIT)
        assert reader.get(collection, "dark-mode") is None


def test_wrong_ca_is_never_live_and_says_why(tls_server: Server, pki: pathlib.Path, collection: str) -> None:
    with open_client(https_url(tls_server), [collection], ca_file=str(pki / "other-ca.pem")) as client:
        with pytest.raises(hotstate.TimeoutError):
            client.wait_ready(timeout=1.0)
        status = client.status()
        assert not status.live
        assert "TLS: certificate verify failed for 127.0.0.1" in status.last_error
        with pytest.raises(hotstate.UnavailableError, match="certificate verify failed"):
            client.put(collection, "k", 1)


def test_unreadable_ca_file_is_refused_at_once(tmp_path: pathlib.Path, collection: str) -> None:
    missing = tmp_path / "no-such-ca.pem"
    with pytest.raises(hotstate.InvalidArgumentError, match="no-such-ca.pem"):
        hotstate.Client("https://127.0.0.1:1", collections=[collection], ca_file=str(missing))
