"""deploy/nginx.conf agrees with the app: HSTS on, and a body limit no lower than the app's."""
import re
from pathlib import Path

from core.config import load_config

NGINX = (Path(__file__).resolve().parents[2] / "deploy" / "nginx.conf").read_text(encoding="utf-8")


def test_nginx_lets_through_what_the_app_accepts(tmp_path):
    size = re.search(r"client_max_body_size\s+(\d+)m;", NGINX).group(1)
    assert int(size) * 1024 * 1024 >= load_config(str(tmp_path), environ={}, overrides={})["MAX_CONTENT_LENGTH"]


def test_nginx_sends_hsts_for_a_year():
    assert re.search(r'add_header Strict-Transport-Security "max-age=31536000; includeSubDomains" always;', NGINX)
