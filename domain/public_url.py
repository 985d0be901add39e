"""Whether the address printed in the 明白纸's QR codes can be opened from a farmer's phone.

The QR code holds ``SHOUDI_PUBLIC_URL/q/<village>``, or, when that is unset, the address the
page was opened on. A sheet stays on a wall for years: a loopback (127.0.0.0/8, ::1,
localhost), private (10/8, 172.16/12, 192.168/16, fc00::/7), link-local (169.254/16, fe80::/10)
or otherwise non-public address, or a local name (``*.local``, ``*.internal``, a name without
a dot), prints a thousand codes nobody can open. The host is judged as written: no DNS lookup.

A malformed ``SHOUDI_PUBLIC_URL`` (no http(s) scheme, spaces, control characters, no host, a
bad port, a query) is not used: the codes fall back to the page's address, and the warning says
what to set.
"""
from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

EXAMPLE = "https://shoudi.example.gov.cn"
SET_IT = f"请设置 SHOUDI_PUBLIC_URL 为公网地址（例如 {EXAMPLE}）后再打印"

# Names that never resolve on the public internet (RFC 6761, 6762, 8375 and common LAN suffixes).
LOCAL_SUFFIXES = (".localhost", ".local", ".internal", ".lan", ".home", ".home.arpa", ".localdomain",
                  ".intranet", ".corp", ".test", ".invalid", ".example")
_UNSAFE = re.compile(r"[\x00-\x20\x7f\u3000\\<>\"'`{}|^]")
_SHOWN_MAX = 80


@dataclass(frozen=True)
class PublicAddress:
    """``base``: the address the QR codes use (no trailing slash); ``warning``: why farmers'
    phones may not open it (empty when the configured address is public)."""

    base: str
    warning: str = ""


def host_is_public(host: str) -> bool:
    """A host name or IP literal (IPv6 with or without brackets) that a phone on the mobile
    network can reach, as far as its text shows."""
    host = host.strip().lower().rstrip(".")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    if not host:
        return False
    try:
        address = ipaddress.ip_address(host.split("%", 1)[0])  # a zone id (fe80::1%eth0) is local anyway
    except ValueError:
        return _name_is_public(host)
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


def _name_is_public(name: str) -> bool:
    labels = name.split(".")
    if len(labels) < 2 or name == "localhost" or name.endswith(LOCAL_SUFFIXES):
        return False
    # "127.1", "2130706433" or "0x7f.1" are read as addresses by browsers: never a public name.
    return not re.fullmatch(r"[0-9]+|0x[0-9a-f]*", labels[-1])


def _shown(text: str) -> str:
    """The configured value as the warning may quote it: no control characters, not too long."""
    cleaned = "".join(ch if ch.isprintable() else "�" for ch in text)
    return cleaned if len(cleaned) <= _SHOWN_MAX else cleaned[:_SHOWN_MAX] + "…"


def _host(url: str) -> str:
    try:
        return urlsplit(url).hostname or ""
    except ValueError:
        return ""


def malformed(url: str) -> str:
    """Why ``url`` cannot be the base of the QR codes' address ("" when it can)."""
    if _UNSAFE.search(url):
        return "含有空格、控制字符或网址中不允许的字符"
    try:
        parts = urlsplit(url)
        hostname, _ = parts.hostname, parts.port  # a bad IPv6 literal or port raises here
    except ValueError:
        return "不是有效的网址"
    if parts.scheme not in ("http", "https"):
        return "应以 https:// 或 http:// 开头"
    if not hostname:
        return "缺少域名"
    if parts.username is not None or parts.password is not None:
        return "不应包含用户名或密码"
    if "?" in url or "#" in url:
        return "不应包含“?”或“#”之后的部分"
    return ""


def public_address(configured: str | None, page_address: str) -> PublicAddress:
    """The QR codes' base address and, unless farmers can surely open it, the warning to show
    in red before printing. ``page_address``: the address the page was opened on."""
    page_address, configured = page_address.rstrip("/"), (configured or "").rstrip("/")
    if configured:
        problem = malformed(configured)
        if not problem:
            if host_is_public(_host(configured)):
                return PublicAddress(configured)
            return PublicAddress(configured, f"扫码地址将是 {_shown(configured)}/q/…，这是本机、内网或其他非公网地址，"
                                             f"农户手机无法打开；{SET_IT}。")
        why = f"SHOUDI_PUBLIC_URL（{_shown(configured)}）{problem}，没有采用："
    else:
        why = "未设置 SHOUDI_PUBLIC_URL："
    page = _shown(page_address)
    if host_is_public(_host(page_address)):
        return PublicAddress(page_address, f"{why}扫码地址将是本页打开时的地址 {page}/q/…，"
                                           f"从别的地址打开本页，印出的二维码就会不同；{SET_IT}。")
    return PublicAddress(page_address, f"{why}扫码地址将是 {page}/q/…（本页打开时的地址），"
                                       f"农户手机无法打开；{SET_IT}。")
