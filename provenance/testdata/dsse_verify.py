#!/usr/bin/env python3
"""Verify a releasetrain provenance file without any of releasetrain's code.

An independent implementation for the tests: the DSSE pre-authentication
encoding is computed here from the DSSE specification, the signature is
checked by python-securesystemslib (Debian's python3-securesystemslib, on
pyca/cryptography and PyNaCl), and the statement is read with the standard
json module.

usage: dsse_verify.py ENVELOPE.intoto.jsonl PUBLIC_KEY.pem
Prints one line per subject ("<sha256>  <name>") and exits 0 when a
signature verifies and the statement is an in-toto Statement v1 carrying
SLSA Provenance v1; exits 1 otherwise.
"""
import base64
import hashlib
import json
import sys

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from securesystemslib import keys as sslib_keys
from securesystemslib.signer import Signature, SSlibKey


def pae(payload_type: bytes, payload: bytes) -> bytes:
    """DSSE v1 pre-authentication encoding (protocol.md)."""
    return b"DSSEv1 %d %s %d %s" % (len(payload_type), payload_type, len(payload), payload)


def load_key(pem: bytes) -> SSlibKey:
    pub = serialization.load_pem_public_key(pem)
    if isinstance(pub, ec.EllipticCurvePublicKey):
        d = sslib_keys.import_ecdsakey_from_public_pem(pem.decode())
        return SSlibKey.from_securesystemslib_key(d)
    if isinstance(pub, ed25519.Ed25519PublicKey):
        raw = pub.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        # securesystemslib wants a hex key id; any will do for verifying.
        return SSlibKey(hashlib.sha256(raw).hexdigest(), "ed25519", "ed25519", {"public": raw.hex()})
    raise SystemExit("unsupported key type %s" % type(pub).__name__)


def main() -> int:
    env_path, key_path = sys.argv[1], sys.argv[2]
    with open(env_path, "rb") as f:
        lines = [l for l in f.read().split(b"\n") if l.strip()]
    if len(lines) != 1:
        print("want one envelope, got %d" % len(lines), file=sys.stderr)
        return 1
    env = json.loads(lines[0])
    with open(key_path, "rb") as f:
        key = load_key(f.read())
    payload = base64.b64decode(env["payload"], validate=True)
    msg = pae(env["payloadType"].encode(), payload)
    good = 0
    for s in env.get("signatures") or []:
        sig = base64.b64decode(s["sig"], validate=True)
        try:
            key.verify_signature(Signature(key.keyid, sig.hex()), msg)
            good += 1
        except Exception as e:  # securesystemslib raises several kinds
            print("signature %s: %s" % (s.get("keyid", ""), e), file=sys.stderr)
    if good == 0:
        print("no signature verifies", file=sys.stderr)
        return 1
    if env["payloadType"] != "application/vnd.in-toto+json":
        print("payloadType %r" % env["payloadType"], file=sys.stderr)
        return 1
    st = json.loads(payload)
    if st.get("_type") != "https://in-toto.io/Statement/v1" or st.get("predicateType") != "https://slsa.dev/provenance/v1":
        print("not an in-toto v1 statement with SLSA provenance v1", file=sys.stderr)
        return 1
    for sub in st["subject"]:
        print("%s  %s" % (sub["digest"]["sha256"], sub["name"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
