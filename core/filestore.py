"""The one file store: every stored file (photos, thumbnails, signatures, evidence, generated
exports) goes through it, by a key the server makes. Nothing else touches a path on disk.

Backends, chosen by ``SHOUDI_FILE_STORE``:

- ``local`` (default): a folder (``SHOUDI_UPLOAD_FOLDER``). Keys are relative paths inside it.
- ``s3``: S3-compatible object storage (MinIO, Aliyun OSS, Tencent COS) through boto3.

Files are always served through the application with its scope check, never from a public
address of the store.
"""
from __future__ import annotations

import logging
import os
import re
import secrets
from datetime import datetime, timezone
from typing import Iterator, Protocol

from flask import current_app

STORE_EXTENSION = "shoudi_file_store"
# Keys are made here: lower-case folders and names, no "..", no leading slash, no backslash.
# Files stored before the file store were named by a bare hex UUID; those names are keys too.
_KEY = re.compile(r"^[a-z0-9_\-]+(/[a-z0-9_\-]+)*(\.[a-z0-9]{1,8})?$")
MAX_KEY_LENGTH = 200


class FileMissing(LookupError):
    """No file is stored under this key."""


class StoredFile(Protocol):
    key: str
    modified: datetime


class FileStore(Protocol):
    def put(self, key: str, data: bytes, content_type: str = "application/octet-stream") -> None: ...
    def get(self, key: str) -> bytes: ...
    def delete(self, key: str) -> None: ...
    def exists(self, key: str) -> bool: ...
    def list(self, prefix: str = "") -> Iterator[tuple[str, datetime]]: ...


def new_key(folder: str, suffix: str = "") -> str:
    """A fresh server-made key such as ``photos/2026/12/3f9c…e1.jpg``."""
    now = datetime.now(timezone.utc)
    return f"{folder}/{now:%Y/%m}/{secrets.token_hex(16)}{suffix}"


def check_key(key: str) -> str:
    """The key itself when it is one the server could have made; ValueError otherwise.

    The message never repeats the key (a caller may have been handed anything)."""
    if not isinstance(key, str) or len(key) > MAX_KEY_LENGTH or not _KEY.fullmatch(key) or ".." in key:
        raise ValueError("invalid file key")
    return key


def is_key(key: str) -> bool:
    try:
        check_key(key)
    except ValueError:
        return False
    return True


class LocalFileStore:
    """Files in a folder on this machine (one app node, or a shared mount)."""

    def __init__(self, root: str):
        self.root = os.path.abspath(root)

    def _path(self, key: str) -> str:
        return os.path.join(self.root, *check_key(key).split("/"))

    def put(self, key: str, data: bytes, content_type: str = "application/octet-stream") -> None:
        path = self._path(key)
        temporary = f"{path}.{secrets.token_hex(4)}.part"
        for last_try in (False, True):
            os.makedirs(os.path.dirname(path), exist_ok=True)
            try:
                with open(temporary, "wb") as fh:
                    fh.write(data)
                break
            except FileNotFoundError:  # a delete pruned the emptied folder in between
                if last_try:
                    raise
        os.replace(temporary, path)  # readers never see half a file

    def get(self, key: str) -> bytes:
        try:
            with open(self._path(key), "rb") as fh:
                return fh.read()
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            raise FileMissing(key) from None

    def delete(self, key: str) -> None:
        path = self._path(key)
        try:
            os.remove(path)
        except FileNotFoundError:
            pass
        self._prune(os.path.dirname(path))

    def _prune(self, folder: str) -> None:
        """Remove folders left empty (a form's pending photos, old months), up to the root."""
        while folder != self.root and folder.startswith(self.root + os.sep):
            try:
                os.rmdir(folder)
            except OSError:  # not empty, or already gone
                return
            folder = os.path.dirname(folder)

    def exists(self, key: str) -> bool:
        return os.path.isfile(self._path(key))

    def list(self, prefix: str = "") -> Iterator[tuple[str, datetime]]:
        # Walk only the folder the prefix names (a form's pending photos), not the whole store.
        folder = prefix.rsplit("/", 1)[0] if "/" in prefix else ""
        if folder and not is_key(folder):
            return
        start = os.path.join(self.root, *folder.split("/")) if folder else self.root
        for here, _dirs, names in os.walk(start):
            for name in names:
                if name.endswith(".part"):
                    continue
                path = os.path.join(here, name)
                key = os.path.relpath(path, self.root).replace(os.sep, "/")
                if not key.startswith(prefix):
                    continue
                try:
                    modified = os.path.getmtime(path)
                except FileNotFoundError:  # deleted while we walked
                    continue
                yield key, datetime.fromtimestamp(modified, timezone.utc)


class S3FileStore:
    """Objects in a bucket of S3-compatible storage: AWS S3, MinIO, Aliyun OSS, Tencent COS.

    Every app node reaches the same bucket, so a file stored through one node is served by any
    other. The bucket stays private: files are served through the application only.
    ``prefix`` puts every key under a folder of a shared bucket.
    """

    def __init__(self, bucket: str, *, endpoint_url: str | None = None, region: str | None = None,
                 access_key: str | None = None, secret_key: str | None = None, prefix: str = "",
                 addressing_style: str = "auto", client=None):
        self.bucket = bucket
        self.page_size = 1000  # objects per list_objects_v2 call (S3's largest page)
        prefix = (prefix or "").strip("/")
        self.prefix = f"{prefix}/" if prefix else ""
        if client is None:
            import boto3
            from botocore.config import Config

            # At DEBUG botocore logs request parameters, a photo's bytes among them: personal
            # data must never reach the logs, whatever SHOUDI_LOG_LEVEL says.
            for name in ("boto3", "botocore", "s3transfer", "urllib3"):
                quiet = logging.getLogger(name)
                if quiet.getEffectiveLevel() < logging.INFO:
                    quiet.setLevel(logging.INFO)

            config = Config(
                region_name=region or None, signature_version="s3v4",
                s3={"addressing_style": addressing_style or "auto"},
                retries={"max_attempts": 3, "mode": "standard"},
                connect_timeout=5, read_timeout=30,
                # Newer boto3 adds CRC checksums by default, which OSS, COS and older MinIO
                # refuse; send and check them only where the operation requires them.
                request_checksum_calculation="when_required",
                response_checksum_validation="when_required")
            client = boto3.session.Session().client(
                "s3", endpoint_url=endpoint_url or None, aws_access_key_id=access_key or None,
                aws_secret_access_key=secret_key or None, config=config)
        self.client = client

    def _object(self, key: str) -> str:
        return self.prefix + check_key(key)

    @staticmethod
    def _missing(exc) -> bool:
        error = getattr(exc, "response", {}).get("Error", {})
        return str(error.get("Code")) in ("NoSuchKey", "404", "NotFound")

    def put(self, key: str, data: bytes, content_type: str = "application/octet-stream") -> None:
        self.client.put_object(Bucket=self.bucket, Key=self._object(key), Body=data,
                               ContentType=content_type)

    def get(self, key: str) -> bytes:
        from botocore.exceptions import ClientError

        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=self._object(key))
        except ClientError as exc:
            if self._missing(exc):
                raise FileMissing(key) from None
            raise
        with answer["Body"] as body:
            return body.read()

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._object(key))  # gone already: fine

    def exists(self, key: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=self._object(key))
        except ClientError as exc:
            if self._missing(exc):
                return False
            raise
        return True

    def list(self, prefix: str = "") -> Iterator[tuple[str, datetime]]:
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=self.prefix + prefix,
            PaginationConfig={"PageSize": self.page_size})
        for page in pages:
            for item in page.get("Contents", ()):
                name = item["Key"]
                if name.startswith(self.prefix):
                    yield name[len(self.prefix):], item["LastModified"]


def make_store(config) -> FileStore:
    kind = config.get("SHOUDI_FILE_STORE") or "local"
    if kind == "local":
        return LocalFileStore(str(config["SHOUDI_UPLOAD_FOLDER"]))
    if kind == "s3":
        return S3FileStore(
            str(config["SHOUDI_S3_BUCKET"]), endpoint_url=config.get("SHOUDI_S3_ENDPOINT_URL"),
            region=config.get("SHOUDI_S3_REGION"), access_key=config.get("SHOUDI_S3_ACCESS_KEY"),
            secret_key=config.get("SHOUDI_S3_SECRET_KEY"), prefix=config.get("SHOUDI_S3_PREFIX") or "",
            addressing_style=config.get("SHOUDI_S3_ADDRESSING_STYLE") or "auto")
    raise ValueError(f"unknown file store {kind!r}")


def store() -> FileStore:
    """The application's file store (made from the configuration on first use if the factory
    has not put one in place, as in a bare script)."""
    found = current_app.extensions.get(STORE_EXTENSION)
    if found is None:
        found = current_app.extensions[STORE_EXTENSION] = make_store(current_app.config)
    return found
