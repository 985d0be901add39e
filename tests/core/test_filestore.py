"""The file store: one contract for both backends (a local folder, and S3-compatible object
storage talked to over HTTP on a local moto server), key validation, configuration, and a photo
stored through one app node served by another that shares the bucket."""
from __future__ import annotations

import io
import os
import re
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from PIL import Image
from sqlalchemy import select

import factories
from conftest import make_app
from core.config import ConfigError, load_config
from core.extensions import db
from core.filestore import (FileMissing, LocalFileStore, S3FileStore, check_key, make_store, new_key,
                            store)
from s3_support import ACCESS_KEY, REGION, SECRET_KEY, new_bucket, s3_config, s3_server  # noqa: F401
from models import PhotoUpload
from services.accounts import tokens

BAD_KEYS = ["../x", "/etc/passwd", "a\\b", "a\x00b", "photos/../x", "photos/./x", "", "photos/",
            "/photos/x.jpg", "Photos/X.jpg", "a//b", "x" * 201, "photos/x.jpg/..", "c:x",
            "photos/x.jpg\n", "photos/x y.jpg"]


@pytest.fixture(params=["local", "s3", "s3-prefixed"])
def file_store(request, tmp_path):
    if request.param == "local":
        return LocalFileStore(str(tmp_path / "files"))
    url = request.getfixturevalue("s3_server")
    return S3FileStore(new_bucket(url), endpoint_url=url, region=REGION, access_key=ACCESS_KEY,
                       secret_key=SECRET_KEY, addressing_style="path",
                       prefix="county/shoudi" if request.param == "s3-prefixed" else "")


# --- the contract, for every backend -----------------------------------------------------------

def test_put_get_exists_delete(file_store):
    key = new_key("photos", ".jpg")
    assert not file_store.exists(key)
    file_store.put(key, b"\xff\xd8first", "image/jpeg")
    assert file_store.exists(key) and file_store.get(key) == b"\xff\xd8first"
    file_store.put(key, b"second")  # the same key again replaces the content
    assert file_store.get(key) == b"second"
    file_store.delete(key)
    assert not file_store.exists(key)
    with pytest.raises(FileMissing):
        file_store.get(key)


def test_missing_keys(file_store):
    with pytest.raises(FileMissing):
        file_store.get("photos/2026/11/nothing.jpg")
    assert file_store.exists("photos/2026/11/nothing.jpg") is False
    file_store.delete("photos/2026/11/nothing.jpg")  # deleting what is gone is fine (idempotent)
    assert list(file_store.list()) == []


def test_list_gives_keys_and_times_by_prefix(file_store):
    before = datetime.now(timezone.utc) - timedelta(minutes=1)
    legacy = uuid.uuid4().hex  # how files were named before the file store: still a key
    keys = {"photos/2026/11/a.jpg", "photos/2026/12/b.jpg", "pending/abc/0.jpg", "pending/abd/0.jpg",
            legacy}
    for key in keys:
        file_store.put(key, key.encode())
    listed = dict(file_store.list())
    assert set(listed) == keys
    assert all(before < modified < datetime.now(timezone.utc) + timedelta(minutes=1)
               for modified in listed.values())
    assert {k for k, _ in file_store.list("pending/")} == {"pending/abc/0.jpg", "pending/abd/0.jpg"}
    assert {k for k, _ in file_store.list("pending/abc/")} == {"pending/abc/0.jpg"}
    assert {k for k, _ in file_store.list("photos/2026/1")} == {"photos/2026/11/a.jpg", "photos/2026/12/b.jpg"}
    assert list(file_store.list("exports/")) == []
    file_store.delete("pending/abc/0.jpg")
    assert {k for k, _ in file_store.list("pending/")} == {"pending/abd/0.jpg"}


@pytest.mark.parametrize("key", BAD_KEYS)
def test_keys_are_checked_before_any_access(file_store, key):
    for call in (lambda: file_store.put(key, b"x"), lambda: file_store.get(key),
                 lambda: file_store.exists(key), lambda: file_store.delete(key)):
        with pytest.raises(ValueError) as info:
            call()
        assert key == "" or key not in str(info.value)  # the message never repeats the key
    assert list(file_store.list()) == []


# --- per backend -------------------------------------------------------------------------------

def test_new_keys_are_fresh_and_valid():
    keys = {new_key("photos", ".jpg") for _ in range(100)}
    assert len(keys) == 100
    for key in keys:
        assert check_key(key) == key and re.fullmatch(r"photos/\d{4}/\d{2}/[0-9a-f]{32}\.jpg", key)


def test_local_store_leaves_no_half_files_or_empty_folders(tmp_path):
    local = LocalFileStore(str(tmp_path / "files"))
    local.put("pending/abc/0.jpg", b"one")
    local.put("pending/abc/1.jpg", b"two")
    (tmp_path / "files" / "pending" / "abc" / "2.jpg.1234.part").write_bytes(b"half")
    assert {k for k, _ in local.list()} == {"pending/abc/0.jpg", "pending/abc/1.jpg"}
    local.delete("pending/abc/0.jpg")
    assert (tmp_path / "files" / "pending" / "abc").is_dir()  # still holds a file
    (tmp_path / "files" / "pending" / "abc" / "2.jpg.1234.part").unlink()
    local.delete("pending/abc/1.jpg")
    assert not (tmp_path / "files" / "pending").exists() and (tmp_path / "files").is_dir()
    local.put("pending/abc/0.jpg", b"again")  # the pruned folder is made again
    assert local.get("pending/abc/0.jpg") == b"again"


def test_s3_store_pages_through_the_listing(s3_server):
    s3 = S3FileStore(new_bucket(s3_server), endpoint_url=s3_server, region=REGION,
                     access_key=ACCESS_KEY, secret_key=SECRET_KEY, addressing_style="path")
    s3.page_size = 2
    keys = {f"exports/2026/11/{n:02d}.pdf" for n in range(7)}
    for key in keys:
        s3.put(key, b"%PDF", "application/pdf")
    assert {k for k, _ in s3.list("exports/")} == keys


def test_s3_store_keeps_the_content_type_and_stays_inside_its_prefix(s3_server):
    from s3_support import s3_client

    bucket = new_bucket(s3_server)
    client = s3_client(s3_server)
    client.put_object(Bucket=bucket, Key="other-app/file.txt", Body=b"not ours")
    s3 = S3FileStore(bucket, endpoint_url=s3_server, region=REGION, access_key=ACCESS_KEY,
                     secret_key=SECRET_KEY, prefix="/shoudi/", addressing_style="path")
    s3.put("photos/2026/11/a.jpg", b"\xff\xd8", "image/jpeg")
    head = client.head_object(Bucket=bucket, Key="shoudi/photos/2026/11/a.jpg")
    assert head["ContentType"] == "image/jpeg"
    assert [k for k, _ in s3.list()] == ["photos/2026/11/a.jpg"]


def test_s3_store_errors_other_than_missing_are_not_hidden(s3_server):
    from botocore.exceptions import ClientError

    s3 = S3FileStore("no-such-bucket-here", endpoint_url=s3_server, region=REGION,
                     access_key=ACCESS_KEY, secret_key=SECRET_KEY, addressing_style="path")
    with pytest.raises(ClientError):
        s3.get("photos/2026/11/a.jpg")


# --- configuration -----------------------------------------------------------------------------

def _config(tmp_path, **values):
    environ = {"SHOUDI_ENV": "testing", **{f"SHOUDI_{k}": v for k, v in values.items()}}
    return load_config(str(tmp_path), environ=environ)


def test_local_is_the_default(tmp_path):
    config = _config(tmp_path)
    assert config["SHOUDI_FILE_STORE"] == "local"
    assert isinstance(make_store(config), LocalFileStore)


def test_s3_configuration_selects_the_s3_store(tmp_path):
    config = _config(tmp_path, FILE_STORE="s3", S3_BUCKET="shoudi-files",
                     S3_ENDPOINT_URL="https://oss-cn-hangzhou.aliyuncs.com", S3_REGION="oss-cn-hangzhou",
                     S3_ACCESS_KEY="ak", S3_SECRET_KEY="sk", S3_PREFIX="prod", S3_ADDRESSING_STYLE="virtual")
    made = make_store(config)
    assert isinstance(made, S3FileStore)
    assert (made.bucket, made.prefix) == ("shoudi-files", "prod/")
    assert made.client.meta.endpoint_url == "https://oss-cn-hangzhou.aliyuncs.com"
    assert made.client.meta.region_name == "oss-cn-hangzhou"


@pytest.mark.parametrize("values, message", [
    ({"FILE_STORE": "s3"}, "SHOUDI_FILE_STORE=s3 时必须设置 SHOUDI_S3_BUCKET"),
    ({"FILE_STORE": "ftp"}, "SHOUDI_FILE_STORE 应为 local"),
    ({"FILE_STORE": "s3", "S3_BUCKET": "b", "S3_ADDRESSING_STYLE": "sideways"}, "SHOUDI_S3_ADDRESSING_STYLE"),
    ({"FILE_STORE": "s3", "S3_BUCKET": "b", "S3_ACCESS_KEY": "only-half"}, "SHOUDI_S3_SECRET_KEY 应同时设置"),
    ({"FILE_STORE": "s3", "S3_BUCKET": "b", "S3_PREFIX": "../up"}, "SHOUDI_S3_PREFIX"),
    ({"FILE_STORE": "s3", "S3_BUCKET": "b", "S3_ENDPOINT_URL": "minio:9000"}, "SHOUDI_S3_ENDPOINT_URL"),
])
def test_bad_file_store_configuration_is_refused_in_chinese(tmp_path, values, message):
    with pytest.raises(ConfigError) as info:
        _config(tmp_path, **values)
    assert message in str(info.value)
    assert "only-half" not in str(info.value)


# --- two app nodes, one bucket -----------------------------------------------------------------

@pytest.fixture
def app_config(s3_config):  # noqa: F811 — the ``app`` fixture of this module stores in S3
    return s3_config


def _jpeg() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (800, 600), "green").save(buf, "JPEG")
    return buf.getvalue()


def test_a_photo_stored_through_one_node_is_served_by_another(app, database_url, tmp_path, s3_config):
    # ``app`` is the first node; the second shares the database and the bucket, not the disk.
    second = make_app(database_url, tmp_path / "second-node", **s3_config)
    try:
        _serve_from_second_node(app, second)
    finally:
        with second.app_context():
            db.engine.dispose()


def _serve_from_second_node(app, second):
    assert app.config["SHOUDI_UPLOAD_FOLDER"] != second.config["SHOUDI_UPLOAD_FOLDER"]
    today = datetime.now(timezone.utc).date()
    world = factories.build_world()
    household_id = factories.household(world.grid_a1, today).id
    grid, outsider = (tokens.issue(world.users[name])[0] for name in ("grid_a1", "village_b"))
    db.session.commit()
    grid_auth = {"Authorization": f"Bearer {grid}"}

    photo_uuid = str(uuid.uuid4())
    first = app.test_client()
    answer = first.post("/api/v1/photos", headers=grid_auth, content_type="multipart/form-data",
                        data={"client_uuid": photo_uuid, "file": (io.BytesIO(_jpeg()), "p.jpg")})
    assert answer.status_code == 201
    visit = first.post("/api/v1/visits", headers=grid_auth, json={
        "client_uuid": str(uuid.uuid4()), "household_id": household_id, "method": "home",
        "visited_at": datetime.now(timezone.utc).isoformat(), "answers": {"should_monitor": "no"},
        "photos": [photo_uuid]})
    assert visit.status_code == 201
    original = first.get(f"/api/v1/photos/{photo_uuid}", headers=grid_auth).data
    photo_id = db.session.execute(select(PhotoUpload.id).where(PhotoUpload.client_uuid == photo_uuid)).scalar_one()

    other = second.test_client()
    full = other.get(f"/api/v1/photos/{photo_uuid}", headers=grid_auth)
    thumb = other.get(f"/api/v1/photos/{photo_uuid}/thumb", headers=grid_auth)
    assert full.status_code == 200 and full.data == original and full.headers["ETag"]
    assert full.headers["Content-Type"] == "image/jpeg"
    assert full.headers["Cache-Control"] == "no-store"
    with Image.open(io.BytesIO(thumb.data)) as img:
        assert max(img.size) == 320
    again = other.get(f"/api/v1/photos/{photo_uuid}", headers={**grid_auth, "If-None-Match": full.headers["ETag"]})
    assert again.status_code == 304
    # The household page's photo on the second node, for village staff (cookie session).
    assert other.post("/login", data={"login": "village_a", "password": factories.PASSWORD}).status_code == 302
    page_photo = other.get(f"/photos/{photo_id}")
    assert page_photo.status_code == 200 and page_photo.data == original
    assert page_photo.headers["Cache-Control"] == "no-store"
    # The scope check runs on every node.
    assert other.get(f"/api/v1/photos/{photo_uuid}", headers={"Authorization": f"Bearer {outsider}"}).status_code == 404
    # Nothing was written to either node's disk.
    for node in (app, second):
        folder = node.config["SHOUDI_UPLOAD_FOLDER"]
        assert not os.path.exists(folder) or not os.listdir(folder)
    with second.app_context():
        assert isinstance(store(), S3FileStore)
        assert {key.split("/")[0] for key, _ in store().list()} == {"photos", "thumbs"}
