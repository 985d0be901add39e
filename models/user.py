"""Staff accounts. Farmers have no account."""
from __future__ import annotations

from flask_login import UserMixin
from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.extensions import db
from domain.enums import Department, Role
from models.personal import PHONE, MaskedField, ProtectedField
from models.region import Region
from models.types import EncryptedText, UTCDateTime, enum_check, utcnow


class User(UserMixin, db.Model):
    __tablename__ = "user_account"
    __table_args__ = (
        enum_check("role", Role),
        enum_check("department", Department, nullable=True),
        CheckConstraint("role <> 'department' OR department IS NOT NULL", name="department_named"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    full_name: Mapped[str] = mapped_column(String(64), nullable=False)
    password_hash: Mapped[str] = mapped_column(String(255), nullable=False)
    role: Mapped[str] = mapped_column(String(20), nullable=False)
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"), nullable=False, index=True)
    department: Mapped[str | None] = mapped_column(String(32))
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    phone_enc = mapped_column(EncryptedText("user.phone"))
    phone_index: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    last_login_at = mapped_column(UTCDateTime)

    region: Mapped[Region] = relationship()

    phone = ProtectedField(PHONE, "phone", with_tail=False)
    phone_masked = MaskedField("phone", PHONE)

    @property
    def role_enum(self) -> Role:
        return Role(self.role)

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive accounts
        return self.active

    def __repr__(self) -> str:
        return f"<User {self.username} {self.role}>"
