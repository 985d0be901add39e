"""Behind nginx, the audit log must name the client, not the proxy."""
import pytest
from sqlalchemy import select

from core.extensions import db
from models import AuditLog


@pytest.fixture
def app_config():
    return {"SHOUDI_TRUSTED_PROXIES": 1}


def test_audit_records_the_forwarded_client_address(client):
    client.post("/login", data={"login": "nobody", "password": "whatever-1"},
                headers={"X-Forwarded-For": "203.0.113.9"}, environ_base={"REMOTE_ADDR": "127.0.0.1"})
    entry = db.session.execute(select(AuditLog).where(AuditLog.action == "login_failed")).scalar_one()
    assert entry.ip == "203.0.113.9"
