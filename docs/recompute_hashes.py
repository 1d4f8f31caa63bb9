#!/usr/bin/env python3
"""Recompute every hash in a Pakta export, independently of the Pakta code.

Usage: python3 recompute_hashes.py EXPORT.jsonl

Written from docs/FORMATS.md alone, so that anyone can check a registry with a tool they
can read in ten minutes. For each entry of a `pakta export` file it recomputes SHA-256 of
the entry bytes and compares it with the stored hash, parses the bytes by the documented
grammar only, and checks the index sequence, the `prev` chain, that time never goes
backwards, key fingerprints, and that each kept document (enrollment message, statement)
hashes to the value its entry names.

It does NOT check Ed25519 signatures: the Python standard library has no Ed25519. Check
them with an Ed25519 library (FORMATS.md, section 19) or `pakta verify --export FILE`.

Standard library only. Exit status 0: all matches; 1: a check failed, and the first bad
entry is named as "FAILED at entry N: ..."; 2: the file is not a pakta/export/v1 file.
"""

import base64
import binascii
import datetime
import hashlib
import json
import re
import sys
import unicodedata

HEX, SUBJECT, COUNT, ID = "[0-9a-f]{64}", "[0-9a-f]{32}", "0|[1-9][0-9]*", "[1-9][0-9]*"
TIME = "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z"
# Canonical padded base64 of 32 and 64 bytes: the unused low bits of the last symbol are 0.
KEY, SIG = "[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=", "[A-Za-z0-9+/]{85}[AQgw]=="
ANY = ".+"
OPD = "[A-Z0-9._-]{1,32}"
COMMON = [("index", COUNT), ("time", TIME), ("kind", ANY), ("prev", HEX)]
KINDS = {
    "key.enrolled": [("subject", SUBJECT), ("key", KEY), ("fingerprint", HEX),
                     ("enrollment-sha256", HEX), ("proof", SIG)],
    "key.revoked": [("subject", SUBJECT), ("fingerprint", HEX), ("reason", "superseded")],
    "pledge.published": [("pledge", ID), ("title", ANY), ("text-sha256", HEX)],
    "ceremony.opened": [("ceremony", ID), ("pledge", ID), ("pledge-sha256", HEX),
                        ("invited", COUNT), ("invitees-sha256", HEX)],
    "attendance.recorded": [("ceremony", ID), ("subject", SUBJECT), ("method", "desk|presence-code")],
    "pledge.signed": [("ceremony", ID), ("subject", SUBJECT), ("mode", "ceremony|mandiri"),
                      ("statement-sha256", HEX), ("fingerprint", HEX), ("signature", SIG)],
    "ceremony.closed": [("ceremony", ID), ("routed-to-mandiri", COUNT), ("mandiri-due", TIME)],
    "mandiri.assigned": [("ceremony", ID), ("subject", SUBJECT), ("due", TIME)],
    "person.erased": [("subject", SUBJECT), ("documents-erased", COUNT)],
    "representation.allowed": [("ceremony", ID)],
    "representation.signed": [("ceremony", ID), ("subject", SUBJECT), ("represented", COUNT),
                              ("represented-sha256", HEX), ("statement-sha256", HEX),
                              ("fingerprint", HEX), ("signature", SIG)],
    "campaign.created": [("campaign", ID), ("title", ANY), ("pledge", ID), ("pledge-sha256", HEX)],
    "recap.signed": [("campaign", ID), ("opd", OPD), ("subject", SUBJECT),
                     ("statement-sha256", HEX), ("fingerprint", HEX), ("signature", SIG)],
}
# Fields that only some entries of a kind carry, after all its other fields (FORMATS
# 7.4.1: the campaign of a ceremony that belongs to one).
OPTIONAL = {"ceremony.opened": [("campaign", ID)]}
DOCUMENT_OF = {"key.enrolled": ("enrollment-sha256", "enrollment"),
               "pledge.signed": ("statement-sha256", "statement"),
               "representation.signed": ("statement-sha256", "representation"),
               "recap.signed": ("statement-sha256", "recap")}


class Bad(Exception):
    pass


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def parse_entry(raw):
    """The entry's fields by name; only the documented canonical form passes."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise Bad("the entry bytes are not UTF-8")
    if "\r" in text or not text.endswith("\n"):
        raise Bad("every line must end in LF, and CR is not allowed")
    lines = text[:-1].split("\n")  # not splitlines(): only LF ends a line
    if lines[0] != "pakta/entry/v1":
        raise Bad(f"line 1 is {lines[0]!r}, not 'pakta/entry/v1'")
    fields, expected, optional = {}, list(COMMON), True
    while expected:
        name, form = expected.pop(0)
        n = len(fields) + 2
        if n > len(lines) or not lines[n - 1].startswith(name + ": "):
            raise Bad(f"line {n} should be '{name}: ...'")
        value = lines[n - 1][len(name) + 2:]
        if (not value or value != value.strip()
                or any(unicodedata.category(c) == "Cc" for c in value)
                or not re.fullmatch(form, value, re.ASCII if form != ANY else 0)
                or (form in (COUNT, ID) and int(value) >= 2**64)):
            raise Bad(f"line {n}: {value!r} is not a valid {name}")
        if form == TIME:
            try:
                datetime.datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ")
            except ValueError:
                raise Bad(f"line {n}: {value} is not a real UTC time")
        fields[name] = value
        if name == "kind":
            if value not in KINDS:
                raise Bad(f"unknown kind {value!r}")
            expected += KINDS[value]
        if not expected and optional and len(lines) > len(fields) + 1:
            expected, optional = list(OPTIONAL.get(fields["kind"], [])), False
    if len(lines) != len(fields) + 1:
        raise Bad(f"line {len(fields) + 2}: text after the last field")
    if "key" in fields and sha256(base64.b64decode(fields["key"])) != fields["fingerprint"]:
        raise Bad("line 8: the fingerprint is not the SHA-256 of the key")
    return fields


def check_entry(item, number, index, prev, last_time, documents):
    """The entry's hash and fields, after every check that needs only this line."""
    try:
        entry = item["entry"]
        raw = base64.b64decode(entry["bytes"], validate=True)
        stored_hash, stored_index = entry["hash"], entry["index"]
    except (KeyError, TypeError, binascii.Error) as e:
        raise Bad(f"line {number} is neither a document nor an entry ({e!r})")
    actual = sha256(raw)
    if actual != stored_hash:
        raise Bad(f"the bytes hash to {actual}, but the stored hash is {stored_hash}:"
                  " the entry was altered")
    fields = parse_entry(raw)
    if fields["index"] != str(index) or stored_index != index:
        raise Bad(f"expected index {index}, found {fields['index']} (line {number} says"
                  f" {stored_index}): entries were removed, inserted or reordered")
    if fields["prev"] != prev:
        raise Bad(f"prev is {fields['prev']}, but the previous entry hashes to {prev}:"
                  " the chain is broken")
    if fields["time"] < last_time:  # one fixed-width UTC form sorts as text
        raise Bad(f"time {fields['time']} is earlier than the previous {last_time}")
    kind = fields["kind"]
    if kind in DOCUMENT_OF:
        name, doc_kind = DOCUMENT_OF[kind]
        if documents.get(fields[name], doc_kind) != doc_kind:
            raise Bad(f"the document named by {name} is not of kind {doc_kind}")
        fields["kept"] = documents.pop(fields[name], None) is not None
    if documents:
        raise Bad("a document line is not referenced by the entry after it")
    return actual, fields


def check_represented(fields, text):
    """FORMATS 6.5: represented-sha256 is SHA-256 of the statement's diwakili-K-subjek
    values, sorted, each followed by LF; represented is how many there are."""
    if text is None:
        return  # erased: the entry stands without it
    subjects = sorted(re.findall(r"^diwakili-[0-9]+-subjek: ([0-9a-f]{32})$", text, re.M))
    digest = sha256("".join(s + "\n" for s in subjects).encode("ascii"))
    if digest != fields["represented-sha256"] or str(len(subjects)) != fields["represented"]:
        raise Bad("the representation statement lists other officials than the entry's"
                  " represented and represented-sha256")


def main(path):
    try:
        with open(path, "rb") as f:
            lines = f.read().rstrip(b"\n").split(b"\n")
        header = json.loads(lines[0])
        assert header["format"] == "pakta/export/v1" and isinstance(header["size"], int)
    except (OSError, ValueError, KeyError, TypeError, AssertionError) as e:
        print(f"error: {path} is not a pakta/export/v1 file ({e!r})", file=sys.stderr)
        return 2
    index, prev, last_time, documents, kept, erased, kinds = 0, "0" * 64, "", {}, 0, 0, {}
    representations = {}
    try:
        for number, line in enumerate(lines[1:], start=2):
            try:
                item = json.loads(line)
                doc = item.get("document")
                if doc is not None:
                    actual = sha256(doc["text"].encode("utf-8"))
                    if actual != doc["sha256"]:
                        raise Bad(f"the document on line {number} hashes to {actual},"
                                  f" not {doc['sha256']}: it was altered")
                    documents[actual] = doc["kind"]
                    if doc["kind"] == "representation":
                        representations[actual] = doc["text"]
                    continue
            except (ValueError, KeyError, TypeError, AttributeError) as e:
                raise Bad(f"line {number} is not a valid export line ({e!r})")
            prev, fields = check_entry(item, number, index, prev, last_time, documents)
            if fields["kind"] == "representation.signed":
                check_represented(fields, representations.pop(fields["statement-sha256"], None))
            last_time, index = fields["time"], index + 1
            kinds[fields["kind"]] = kinds.get(fields["kind"], 0) + 1
            if "kept" in fields:
                kept, erased = kept + fields["kept"], erased + (not fields["kept"])
        if documents or index != header["size"]:
            raise Bad(f"the export announces {header['size']} entries and holds {index}"
                      + (", then documents of no entry" if documents else ""))
    except Bad as problem:
        print(f"FAILED at entry {index}: {problem}")
        return 1
    print(f"OK: {index} entries; every hash, index and prev link recomputed")
    print(f"head: {prev if index else '(empty log)'}")
    print(f"documents: {kept} kept and matching their hash, {erased} erased")
    print("kinds: " + ", ".join(f"{k} {n}" for k, n in sorted(kinds.items())))
    print("signatures: not checked here (needs Ed25519); use pakta verify --export")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        sys.exit(2)
    sys.exit(main(sys.argv[1]))
