"""A local S3-API server for the S3 file store's tests: moto's standalone server, started as a
subprocess on 127.0.0.1 at a free port, so the real boto3 client code path runs over HTTP.

Import the fixtures into a test module: ``from s3_support import s3_config, s3_server  # noqa``.
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid

import pytest

ACCESS_KEY = "testing-access-key"
SECRET_KEY = "testing-secret-key"
REGION = "us-east-1"
START_TIMEOUT = 60


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status < 500
    except urllib.error.HTTPError as exc:  # any HTTP answer means it is up
        return exc.code < 500
    except OSError:
        return False


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory):
    """The base URL of a moto S3 server that lives for the test session."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log_path = tmp_path_factory.mktemp("moto") / "moto.log"
    env = {key: value for key, value in os.environ.items() if not key.startswith("AWS_")}
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env)
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while not _answers(f"{url}/moto-api/"):
            if process.poll() is not None:
                pytest.fail(f"moto server exited ({process.returncode}):\n{log_path.read_text()[-2000:]}")
            if time.monotonic() > deadline:
                pytest.fail(f"moto server did not answer in {START_TIMEOUT}s:\n{log_path.read_text()[-2000:]}")
            time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def s3_client(url: str):
    import boto3

    return boto3.session.Session().client(
        "s3", endpoint_url=url, region_name=REGION, aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY)


def new_bucket(url: str) -> str:
    name = f"shoudi-test-{uuid.uuid4().hex[:16]}"
    s3_client(url).create_bucket(Bucket=name)
    return name


@pytest.fixture
def s3_config(s3_server) -> dict:
    """Application configuration for the S3 file store on a fresh bucket of the local server."""
    return {
        "SHOUDI_FILE_STORE": "s3",
        "SHOUDI_S3_ENDPOINT_URL": s3_server,
        "SHOUDI_S3_BUCKET": new_bucket(s3_server),
        "SHOUDI_S3_ACCESS_KEY": ACCESS_KEY,
        "SHOUDI_S3_SECRET_KEY": SECRET_KEY,
        "SHOUDI_S3_REGION": REGION,
        "SHOUDI_S3_PREFIX": "shoudi",
        "SHOUDI_S3_ADDRESSING_STYLE": "path",  # as for MinIO
    }
