"""Authenticated encryption and blind indexes for personal data (PIPL).

One master key (``SHOUDI_DATA_KEY``) is split with HKDF into an encryption key (AES-256-GCM)
and an index key (HMAC-SHA256). Every ciphertext is bound to its purpose (for example
``member.id_number``) as associated data, so a value copied into another column will not
decrypt. Blind indexes let the database answer "is there a member with this ID number?"
without ever holding the number itself.

Nothing here ever puts a plaintext value in an exception message or a log line.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

TOKEN_VERSION = "v1"
_NONCE_BYTES = 12


class DecryptionError(Exception):
    """A stored value could not be decrypted (wrong key, tampered or misplaced data)."""


def _derive(master_key: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(master_key)


class DataProtector:
    def __init__(self, master_key: bytes):
        if len(master_key) != 32:
            raise ValueError("master key must be 32 bytes")
        self._aead = AESGCM(_derive(master_key, b"shoudi/encryption/v1"))
        self._index_key = _derive(master_key, b"shoudi/blind-index/v1")

    def encrypt(self, plaintext: str, purpose: str) -> str:
        nonce = os.urandom(_NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, plaintext.encode("utf-8"), purpose.encode("utf-8"))
        return f"{TOKEN_VERSION}.{base64.urlsafe_b64encode(nonce + sealed).decode('ascii')}"

    def decrypt(self, token: str, purpose: str) -> str:
        version, _, body = token.partition(".")
        if version != TOKEN_VERSION or not body:
            raise DecryptionError(f"unknown ciphertext format for {purpose}")
        try:
            raw = base64.urlsafe_b64decode(body.encode("ascii"))
            plain = self._aead.decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], purpose.encode("utf-8"))
        except (InvalidTag, ValueError) as exc:
            raise DecryptionError(f"cannot decrypt {purpose}") from exc
        return plain.decode("utf-8")

    def blind_index(self, value: str, purpose: str) -> str:
        """Keyed hash of a normalised value, for exact-match lookups and de-duplication."""
        msg = purpose.encode("utf-8") + b"\x00" + value.encode("utf-8")
        return hmac.new(self._index_key, msg, hashlib.sha256).hexdigest()
