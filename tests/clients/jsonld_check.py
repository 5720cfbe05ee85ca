"""Reads every document in $DOCS (one JSON file each) the way a strict JSON-LD peer does: expands
it with PyLD, offline, and compacts it back with its own context. It fails on

- a dropped term: a property the context does not define, so expansion throws it away;
- an undefined term: one that only ActivityStreams' `"@vocab": "_:"` catches, which makes it a
  blank-node predicate that means nothing to anyone;
- a `null` value (JSON-LD reads it as absent: omit the property);
- a link read as text: an absolute http(s) URL that expands to a plain string literal, where a
  peer expects a node reference (`@id`);
- a context it cannot load: only ActivityStreams (PyLD's copy bundled with bovine), the subset
  of W3ID security v1 that actors use, and the contexts the instance itself serves (fetched
  from $BASE, on loopback) are known.

Prints one line per document and "N documents expanded" at the end.
"""

import json
import os
import sys
import urllib.request
from pathlib import Path

# bovine writes a context cache into the working directory when imported: keep it beside the
# documents, out of the checkout.
os.chdir(os.environ["DOCS"])

from bovine.jsonld import activitystreams_context  # noqa: E402
from pyld import jsonld  # noqa: E402

AS = "https://www.w3.org/ns/activitystreams"
SECURITY = "https://w3id.org/security/v1"
# The terms of security v1 that actors use, as that context defines them.
SECURITY_TERMS = {
    "id": "@id",
    "type": "@type",
    "sec": "https://w3id.org/security#",
    "publicKey": {"@id": "sec:publicKey", "@type": "@id"},
    "publicKeyPem": "sec:publicKeyPem",
    "owner": {"@id": "sec:owner", "@type": "@id"},
}
BASE = os.environ["BASE"].rstrip("/")


def loader(url, options=None):
    if url == AS:
        document = {"@context": activitystreams_context}
    elif url == SECURITY:
        document = {"@context": SECURITY_TERMS}
    elif url.startswith(BASE + "/"):
        with urllib.request.urlopen(url, timeout=10) as res:
            document = json.load(res)
    else:
        raise jsonld.JsonLdError(
            f"no offline copy of the context {url}", "loading document failed"
        )
    return {"contentType": "application/ld+json", "contextUrl": None,
            "documentUrl": url, "document": document}


OPTIONS = {"documentLoader": loader}


def keys_missing(original, compacted, path, out):
    """Keys of `original` that the round trip lost, with their paths."""
    if isinstance(original, dict):
        if not isinstance(compacted, dict):
            out.append(f"{path}: an object became {json.dumps(compacted)[:80]}")
            return
        for key, value in original.items():
            if key == "@context":
                continue
            if value is None:
                out.append(f"{path}.{key} is null (omit the property instead)")
                continue
            if key not in compacted:
                out.append(f"{path}.{key}")
                continue
            keys_missing(value, compacted[key], f"{path}.{key}", out)
    elif isinstance(original, list):
        items = compacted if isinstance(compacted, list) else [compacted]
        for i, value in enumerate(original):
            if i < len(items):
                keys_missing(value, items[i], f"{path}[{i}]", out)


def undefined_terms(expanded, out):
    """Properties the context leaves to ActivityStreams' `"@vocab": "_:"`: blank-node
    predicates no peer can tell apart from anyone else's."""
    if isinstance(expanded, list):
        for item in expanded:
            undefined_terms(item, out)
    elif isinstance(expanded, dict):
        for key, item in expanded.items():
            if key.startswith("_:"):
                out.append(key[2:])
            elif not key.startswith(("@", "http://", "https://")):
                out.append(f"{key} (its prefix is not defined)")
            if key == "@type":
                out += [t[2:] for t in item if isinstance(t, str) and t.startswith("_:")]
            undefined_terms(item, out)
    return out


def literal_links(expanded, prop, out):
    """Plain string literals that are absolute http(s) URLs, by expanded property."""
    if isinstance(expanded, list):
        for item in expanded:
            literal_links(item, prop, out)
    elif isinstance(expanded, dict):
        value = expanded.get("@value")
        if isinstance(value, str) and "@type" not in expanded and \
                value.startswith(("https://", "http://")) and " " not in value:
            out.append(f"{prop} = {value}")
        for key, item in expanded.items():
            if not key.startswith("@"):
                literal_links(item, key, out)
            elif key in ("@list", "@set", "@graph"):
                literal_links(item, prop, out)


def check(name, doc):
    problems = []
    expanded = jsonld.expand(doc, OPTIONS)
    compacted = jsonld.compact(expanded, {"@context": doc.get("@context", [])}, OPTIONS)
    # Compaction may leave one node as the whole graph: compare like with like.
    if "@graph" in compacted and "@graph" not in doc and len(compacted["@graph"]) == 1:
        compacted = {**compacted["@graph"][0], "@context": compacted["@context"]}
    missing = []
    keys_missing(doc, compacted, "", missing)
    problems += [m if " is null" in m else f"dropped term {m}" for m in missing]
    problems += [f"undefined term {t}" for t in sorted(set(undefined_terms(expanded, [])))]
    links = []
    literal_links(expanded, "", links)
    problems += [f"link read as text: {link}" for link in links]
    return problems


def main():
    failures = []
    files = sorted(Path(os.environ["DOCS"]).glob("*.json"))
    for file in files:
        doc = json.loads(file.read_text())
        try:
            problems = check(file.stem, doc)
        except jsonld.JsonLdError as e:
            problems = [f"not JSON-LD: {e}"]
        status = "ok" if not problems else "FAILED"
        print(f"{file.stem}: {status}")
        for p in problems:
            print(f"    {p}")
        if problems:
            failures.append(file.stem)
    print(f"{len(files)} documents expanded")
    if failures:
        print("documents a strict JSON-LD peer reads differently: " + ", ".join(failures))
        sys.exit(1)
    print("OK")


if __name__ == "__main__":
    main()
