"""The API fuzzed from its own OpenAPI document (schemathesis), with a grid worker's token:
whatever the generated input — valid, and deliberately invalid (wrong types, out-of-range ids,
odd strings, NaN) — no operation answers with a 5xx. Runs on SQLite and on PostgreSQL like
every test here; hypothesis is derandomized, so a run is repeatable."""
from __future__ import annotations

import re

import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from api_support import bearer, build_scene, token_for
from core.extensions import db

# Logging out or changing the password would end the token the other examples use.
ENDS_THE_SESSION = re.compile(r"/auth/(logout|password)$")
EXAMPLES = 25


def test_no_operation_answers_with_a_server_error(app):
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production: an error is a 500, counted here
    scene = build_scene()
    db.session.commit()
    headers = bearer(token_for(scene.users["grid_a1"]))
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    server_errors: list[str] = []
    tried = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        if ENDS_THE_SESSION.search(operation.path):
            continue
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                      suppress_health_check=list(HealthCheck))
            @given(case=operation.as_strategy(generation_mode=mode))
            def run(case):
                nonlocal tried
                response = case.call(headers=headers)
                db.session.rollback()  # the next example reads what the requests committed
                tried += 1
                if response.status_code >= 500:
                    server_errors.append(f"{case.method} {case.formatted_path} → {response.status_code}: "
                                         f"{case.as_curl_command()[:300]}")

            try:
                run()
            except Unsatisfiable:
                pass  # nothing to make invalid: an operation without parameters or body
    assert tried > 300, tried
    assert server_errors == [], "\n".join(server_errors)
