"""Verify a lookup-adaptor action webhook in Python (the standard library only).

Copy verify() into the service that receives the webhooks. Run as a script it checks one saved
request:  python3 verify_webhook.py SECRET BODY_FILE 'ADAPTOR_SIGNATURE_HEADER'  (exit 0 = valid).
"""
import hashlib
import hmac
import sys
import time


def verify(secret: bytes, header: str, body: bytes, tolerance: int = 300, now=None) -> bool:
    """True when header ("t=<unix>,v1=<hex>") signs the raw body with secret, recently."""
    parts = dict(p.strip().split("=", 1) for p in header.split(",") if "=" in p)
    try:
        ts = int(parts["t"])
        sig = parts["v1"]
    except (KeyError, ValueError):
        return False
    if abs((now if now is not None else time.time()) - ts) > tolerance:
        return False
    want = hmac.new(secret, str(ts).encode() + b"." + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(sig, want)


if __name__ == "__main__":
    secret, body_file, header = sys.argv[1].encode(), sys.argv[2], sys.argv[3]
    with open(body_file, "rb") as f:
        sys.exit(0 if verify(secret, header, f.read()) else 1)
