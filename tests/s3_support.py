"""An S3-compatible server on loopback for the tests: moto's server in its own process.

``moto_server`` starts once per test session (on a free port of 127.0.0.1); each test
that uses ``s3_storage`` gets a fresh bucket and the project's STORAGES rebuilt from the
S3_* variables (mentorship/object_storage.py), exactly as settings build them.
"""

import secrets
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mentorship.object_storage import storages_from_env

ACCESS_KEY_ID, SECRET_ACCESS_KEY, REGION = "testing-key-id", "testing-secret-key", "us-east-1"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def moto_command() -> str:
    beside = Path(sys.executable).parent / "moto_server"
    return str(beside) if beside.exists() else (shutil.which("moto_server") or "moto_server")


@pytest.fixture(scope="session")
def moto_endpoint():
    port = free_port()
    process = subprocess.Popen(
        [moto_command(), "-H", "127.0.0.1", "-p", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail(f"moto_server did not start on 127.0.0.1:{port}")
            time.sleep(0.1)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


def s3_client(endpoint: str):
    import boto3

    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id=ACCESS_KEY_ID,
        aws_secret_access_key=SECRET_ACCESS_KEY,
        region_name=REGION,
    )


def s3_environment(endpoint: str, bucket: str, prefix: str = "") -> dict[str, str]:
    env = {
        "S3_BUCKET": bucket,
        "S3_ENDPOINT_URL": endpoint,
        "S3_ACCESS_KEY_ID": ACCESS_KEY_ID,
        "S3_SECRET_ACCESS_KEY": SECRET_ACCESS_KEY,
        "S3_REGION": REGION,
    }
    if prefix:
        env["S3_PREFIX"] = prefix
    return env


def new_bucket(endpoint: str) -> str:
    bucket = f"mentorship-{secrets.token_hex(6)}"
    s3_client(endpoint).create_bucket(Bucket=bucket)
    return bucket


def bucket_objects(endpoint: str, bucket: str) -> dict[str, bytes]:
    """Every object's key and bytes, as stored."""
    client = s3_client(endpoint)
    objects = {}
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for item in page.get("Contents", []):
            objects[item["Key"]] = client.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()
    return objects


@pytest.fixture
def s3_storage(settings, moto_endpoint):
    """The project's storages on a fresh bucket of the moto server (STORAGES overridden,
    which resets Django's storage handler); yields (endpoint, bucket)."""
    bucket = new_bucket(moto_endpoint)
    settings.STORAGES = storages_from_env(
        s3_environment(moto_endpoint, bucket, prefix="tenant-files"),
        staticfiles_backend=settings.STORAGES["staticfiles"]["BACKEND"],
    )
    return moto_endpoint, bucket
