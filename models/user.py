"""Staff accounts. Farmers have no account."""
from __future__ import annotations

import hmac
import secrets

from flask_login import UserMixin
from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.extensions import db
from domain.enums import Department, Role
from domain.head_visits import HeadTitle
from models.personal import PHONE, MaskedField, ProtectedField
from models.region import Region
from models.types import EncryptedText, UTCDateTime, enum_check, utcnow


def new_session_token() -> str:
    return secrets.token_hex(16)


class User(UserMixin, db.Model):
    __tablename__ = "user_account"
    __table_args__ = (
        enum_check("role", Role),
        enum_check("department", Department, nullable=True),
        CheckConstraint("role <> 'department' OR department IS NOT NULL", name="department_named"),
        enum_check("head_title", HeadTitle, nullable=True),
        CheckConstraint("head_title IS NULL OR role = 'township_staff'", name="head_is_township_staff"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    full_name: Mapped[str] = mapped_column(String(64), nullable=False)
    password_hash: Mapped[str] = mapped_column(String(255), nullable=False)
    role: Mapped[str] = mapped_column(String(20), nullable=False)
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"), nullable=False, index=True)
    department: Mapped[str | None] = mapped_column(String(32))
    # 党政主职 (seed 000 遍访): this township account is its 党委书记 or 乡镇长.
    head_title: Mapped[str | None] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    phone_enc = mapped_column(EncryptedText("user.phone"))
    phone_index: Mapped[str | None] = mapped_column(String(64), unique=True)
    # Part of the login id kept in the session cookie. Rotating it (logout, new password,
    # deactivation) ends every session of the account, including copies of old cookies.
    session_token: Mapped[str] = mapped_column(String(32), nullable=False, default=new_session_token)
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    last_login_at = mapped_column(UTCDateTime)
    # Guessing (等保): wrong passwords in a row, and until when the account is locked after them.
    failed_logins: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")
    locked_until = mapped_column(UTCDateTime)
    # A password set by someone else (a new account, a reset, the demo's shared one) must be
    # changed by its owner before anything else.
    must_change_password: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False,
                                                       server_default="0")
    password_changed_at = mapped_column(UTCDateTime)

    region: Mapped[Region] = relationship()

    phone = ProtectedField(PHONE, "phone", with_tail=False)
    phone_masked = MaskedField("phone", PHONE)

    def get_id(self) -> str:
        return f"{self.id}.{self.session_token}"

    def session_matches(self, token: str) -> bool:
        return hmac.compare_digest(self.session_token.encode(), token.encode())

    def end_sessions(self) -> None:
        self.session_token = new_session_token()

    @property
    def role_enum(self) -> Role:
        return Role(self.role)

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive accounts
        return self.active

    def __repr__(self) -> str:
        return f"<User {self.username} {self.role}>"
