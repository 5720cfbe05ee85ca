"""Every Mastodon operation Interspace implements answers what the Mastodon API's OpenAPI
description (../shared/specs/mastodon-openapi.json) says it answers: each response body is
validated, with a JSON Schema 2020-12 validator, against the schema of that operation's
success response. Formats (`uri`, `date-time`) are not asserted; types, required properties,
enums and nullability are.

Environment: BASE (the instance), SPEC (the OpenAPI file), ALICE_TOKEN and BOB_TOKEN (two
signed-in members, bob following alice), ALICE_ID, BOB_ID, ALICE_ACCT.
Prints one line per operation, every mismatch, and OK at the end when there is none.
"""

import base64
import json
import os
import sys

import requests
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

BASE = os.environ["BASE"].rstrip("/")
SPEC = json.load(open(os.environ["SPEC"], encoding="utf-8"))
ALICE = {"Authorization": "Bearer " + os.environ["ALICE_TOKEN"]}
BOB = {"Authorization": "Bearer " + os.environ["BOB_TOKEN"]}
ALICE_ID, BOB_ID = os.environ["ALICE_ID"], os.environ["BOB_ID"]

REGISTRY = Registry().with_resource("urn:spec", Resource(SPEC, DRAFT202012))
# A 1x1 PNG, for the media operations.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)

failures = []
checked = []


def absolute(schema):
    """The operation's schema with its `#/...` references pointing into the whole document."""
    if isinstance(schema, dict):
        return {
            k: ("urn:spec" + v if k == "$ref" and v.startswith("#") else absolute(v))
            for k, v in schema.items()
        }
    if isinstance(schema, list):
        return [absolute(v) for v in schema]
    return schema


def schema_of(method, template, status):
    op = SPEC["paths"][template][method]
    response = op["responses"].get(str(status)) or op["responses"].get("200")
    content = (response or {}).get("content", {}).get("application/json", {})
    return content.get("schema")


def check(method, template, path=None, status=200, headers=ALICE, **kwargs):
    """Calls the operation and validates its answer; returns the parsed body."""
    path = path or template
    r = requests.request(method.upper(), BASE + path, headers=headers, timeout=30, **kwargs)
    name = f"{method.upper()} {template}"
    checked.append(name)
    if r.status_code != status:
        failures.append(f"{name}: status {r.status_code}, expected {status}: {r.text[:300]}")
        return None
    body = r.json()
    schema = schema_of(method, template, status)
    if schema is None:
        print(f"{name}: no schema in the description, body not checked")
        return body
    validator = Draft202012Validator(absolute(schema), registry=REGISTRY)
    errors = sorted(validator.iter_errors(body), key=lambda e: list(e.absolute_path))
    for e in errors[:20]:
        where = "/".join(str(p) for p in e.absolute_path) or "(body)"
        failures.append(f"{name}: {where}: {e.message[:300]}")
    print(f"{name}: {'ok' if not errors else f'{len(errors)} mismatches'}")
    return body


# The instance and the client's own registration.
check("get", "/api/v1/instance", headers={})
check("get", "/api/v2/instance", headers={})
check("get", "/api/v1/instance/rules", headers={})
check("get", "/api/v1/custom_emojis", headers={})
app = check(
    "post",
    "/api/v1/apps",
    headers={},
    data={"client_name": "openapi", "redirect_uris": "urn:ietf:wg:oauth:2.0:oob", "scopes": "read write"},
)
if app:
    token = check(
        "post",
        "/oauth/token",
        headers={},
        data={
            "grant_type": "client_credentials",
            "client_id": app["client_id"],
            "client_secret": app["client_secret"],
            "scope": "read",
        },
    )
    if token:
        check(
            "get",
            "/api/v1/apps/verify_credentials",
            headers={"Authorization": "Bearer " + token["access_token"]},
        )

# Accounts.
check("get", "/api/v1/accounts/verify_credentials")
check(
    "patch",
    "/api/v1/accounts/update_credentials",
    data={"note": "Writes the coworking newsletter", "display_name": "Alice A."},
)
check("get", "/api/v1/accounts/{id}", f"/api/v1/accounts/{BOB_ID}")
check("get", "/api/v1/accounts/lookup", params={"acct": os.environ["ALICE_ACCT"]})
check("get", "/api/v1/accounts/search", params={"q": "bob"})
check("get", "/api/v1/accounts/relationships", params={"id[]": [BOB_ID]})
check("get", "/api/v1/accounts/{id}/followers", f"/api/v1/accounts/{ALICE_ID}/followers")
check("get", "/api/v1/accounts/{id}/following", f"/api/v1/accounts/{BOB_ID}/following", headers=BOB)
check("get", "/api/v1/accounts/{id}/statuses", f"/api/v1/accounts/{ALICE_ID}/statuses")
check("post", "/api/v1/accounts/{id}/follow", f"/api/v1/accounts/{BOB_ID}/follow")
check("post", "/api/v1/accounts/{id}/mute", f"/api/v1/accounts/{BOB_ID}/mute")
check("get", "/api/v1/mutes")
check("post", "/api/v1/accounts/{id}/unmute", f"/api/v1/accounts/{BOB_ID}/unmute")
check("get", "/api/v1/blocks")
check("get", "/api/v1/follow_requests")

# Media and posts.
media = check(
    "post",
    "/api/v2/media",
    files={"file": ("dot.png", PNG, "image/png")},
    data={"description": "A dot"},
    status=200,
)
if media:
    check("get", "/api/v1/media/{id}", f"/api/v1/media/{media['id']}")
    check("put", "/api/v1/media/{id}", f"/api/v1/media/{media['id']}", data={"description": "One dot"})
status = check(
    "post",
    "/api/v1/statuses",
    json={
        "status": "Open desk day on Friday #coworking",
        "visibility": "public",
        "media_ids": [media["id"]] if media else [],
    },
)
if status:
    sid = status["id"]
    reply = check(
        "post",
        "/api/v1/statuses",
        headers=BOB,
        json={"status": "@alice count me in", "in_reply_to_id": sid},
    )
    check("get", "/api/v1/statuses/{id}", f"/api/v1/statuses/{sid}")
    check("get", "/api/v1/statuses/{id}/context", f"/api/v1/statuses/{sid}/context")
    check("post", "/api/v1/statuses/{id}/favourite", f"/api/v1/statuses/{sid}/favourite", headers=BOB)
    check("post", "/api/v1/statuses/{id}/reblog", f"/api/v1/statuses/{sid}/reblog", headers=BOB)
    check("post", "/api/v1/statuses/{id}/bookmark", f"/api/v1/statuses/{sid}/bookmark", headers=BOB)
    check("get", "/api/v1/statuses/{id}/favourited_by", f"/api/v1/statuses/{sid}/favourited_by")
    check("get", "/api/v1/statuses/{id}/reblogged_by", f"/api/v1/statuses/{sid}/reblogged_by")
    check("get", "/api/v1/favourites", headers=BOB)
    check("get", "/api/v1/bookmarks", headers=BOB)
    check("put", "/api/v1/statuses/{id}", f"/api/v1/statuses/{sid}", json={"status": "Open desk day on Saturday #coworking"})
    check("get", "/api/v1/statuses/{id}/history", f"/api/v1/statuses/{sid}/history")
    check("get", "/api/v1/statuses/{id}/source", f"/api/v1/statuses/{sid}/source")
    check("post", "/api/v1/statuses/{id}/unbookmark", f"/api/v1/statuses/{sid}/unbookmark", headers=BOB)
    check("post", "/api/v1/statuses/{id}/unreblog", f"/api/v1/statuses/{sid}/unreblog", headers=BOB)
    check("post", "/api/v1/statuses/{id}/unfavourite", f"/api/v1/statuses/{sid}/unfavourite", headers=BOB)
    check(
        "post",
        "/api/v1/reports",
        headers=BOB,
        json={"account_id": ALICE_ID, "status_ids": [sid], "comment": "testing the report form"},
    )

# Timelines, search, notifications, markers.
check("get", "/api/v1/timelines/home", headers=BOB)
check("get", "/api/v1/timelines/public", headers={})
check("get", "/api/v1/timelines/tag/{hashtag}", "/api/v1/timelines/tag/coworking", headers={})
check("get", "/api/v2/search", params={"q": "alice"})
notes = check("get", "/api/v1/notifications")
if notes:
    check("get", "/api/v1/notifications/{id}", f"/api/v1/notifications/{notes[0]['id']}")
check("post", "/api/v1/markers", data={"home[last_read_id]": "1", "notifications[last_read_id]": "1"})
check("get", "/api/v1/markers", params={"timeline[]": ["home", "notifications"]})
check("get", "/api/v1/preferences")
if status:
    check("delete", "/api/v1/statuses/{id}", f"/api/v1/statuses/{status['id']}")

print(f"{len(checked)} operations checked")
for f in failures:
    print("MISMATCH " + f)
if failures:
    sys.exit(1)
print("OK")
