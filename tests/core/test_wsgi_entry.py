"""The production entry point (``gunicorn wsgi:app``) freezes what the application built at start."""
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_entry_point_leaves_the_applications_start_up_objects_out_of_collections(tmp_path):
    env = {**os.environ, "SHOUDI_ENV": "development", "SHOUDI_DATABASE_URL": f"sqlite:///{tmp_path}/app.db",
           "SHOUDI_INSTANCE_PATH": str(tmp_path)}
    script = "import gc, wsgi; print(gc.get_freeze_count())"
    answer = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=120)
    assert answer.returncode == 0, answer.stderr[-2000:]
    assert int(answer.stdout.strip().splitlines()[-1]) > 50_000
