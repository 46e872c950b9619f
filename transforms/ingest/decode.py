"""Bytes to text, and the digest that makes article ids stable: shared by files and fetched pages."""
from __future__ import annotations

import hashlib

from transforms.stage import Rejected


def looks_binary(data: bytes) -> bool:
    """NUL bytes or many control characters: not a text document in any encoding we read.
    UTF-16/32 text has NULs too, but announces itself with a BOM (or decodes cleanly as UTF-16)."""
    sample = data[:4096]
    if not sample or sample[:2] in (b"\xff\xfe", b"\xfe\xff") or sample[:4] == b"\x00\x00\xfe\xff":
        return False
    if b"\x00" in sample:
        return not _is_bomless_utf16(sample)
    controls = sum(1 for b in sample if b < 9 or 13 < b < 32 or b == 127)
    return controls / len(sample) > 0.05


def _is_bomless_utf16(sample: bytes) -> bool:
    try:
        text = sample.decode("utf-16")
    except UnicodeDecodeError:
        return False
    return sum(ch.isprintable() or ch.isspace() for ch in text) / max(len(text), 1) > 0.95


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without BOM) first, then what charset_normalizer makes of it."""
    if looks_binary(data):
        raise Rejected("binary", "binary content, not a text document", excerpt=data)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes
    best = from_bytes(data).best()
    if best is None:
        raise Rejected("undecodable", "no text encoding decodes these bytes", excerpt=data)
    text = str(best)
    if text.count("\ufffd") > len(text) * 0.01:
        raise Rejected("undecodable", f"decoded as {best.encoding} with replacement characters", excerpt=data)
    return text


def digest(*parts) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(part if isinstance(part, bytes) else str(part).encode("utf-8", "surrogatepass"))
        h.update(b"\x1f")
    return h.hexdigest()
