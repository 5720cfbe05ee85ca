"""Two real clients on two instances: Mastodon.py on A follows bob on B, toot on B posts as bob,
and the post shows in alice's home timeline on A (read with Mastodon.py).

Environment: A_BASE, B_BASE (http://localhost:PORT), B_DOMAIN (localhost:PORT), TOOT (path of
the toot executable), ALICE_EMAIL, ALICE_PASSWORD (member of A), BOB_EMAIL, BOB_PASSWORD
(member of B, username bob). Waits on conditions with deadlines; prints OK at the end.
"""
import os
import subprocess
import sys
import tempfile
import time

from mastodon import Mastodon

DEADLINE = 30


def check(cond, what):
    if not cond:
        print(f"FAILED: {what}", file=sys.stderr)
        sys.exit(1)


def wait_for(what, probe):
    end = time.monotonic() + DEADLINE
    while time.monotonic() < end:
        value = probe()
        if value:
            return value
        time.sleep(0.1)
    check(False, f"timed out waiting for {what}")


a_base, b_base, b_domain = os.environ["A_BASE"], os.environ["B_BASE"], os.environ["B_DOMAIN"]
scopes = ["read", "write", "follow"]
client_id, client_secret = Mastodon.create_app("cross-instance", api_base_url=a_base, scopes=scopes)
alice = Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=a_base)
alice.log_in(os.environ["ALICE_EMAIL"], os.environ["ALICE_PASSWORD"], scopes=scopes, allow_http=True)

found = alice.search(f"bob@{b_domain}", resolve=True, result_type="accounts")
bobs = [a for a in found["accounts"] if a["acct"] == f"bob@{b_domain}"]
check(len(bobs) == 1, f"search bob@{b_domain} with resolve: {found['accounts']}")
bob = bobs[0]
alice.account_follow(bob["id"])
wait_for("B to accept the follow", lambda: alice.account_relationships(bob["id"])[0]["following"])
print("alice on A follows", bob["acct"])

toot = os.environ["TOOT"]
env = dict(os.environ, XDG_CONFIG_HOME=tempfile.mkdtemp(prefix="toot-"), NO_COLOR="1", TERM="dumb")


def run(*args):
    res = subprocess.run([toot, *args], env=env, capture_output=True, text=True, timeout=60)
    out = res.stdout + res.stderr
    check(res.returncode == 0, f"toot {' '.join(args)} exited {res.returncode}:\n{out}")
    return out


run("login_cli", "-i", b_base, "-e", os.environ["BOB_EMAIL"], "-p", os.environ["BOB_PASSWORD"])
text = "Bob on B says hello to the other space"
check("Toot posted" in run("post", text), "toot post")
print("bob posted on B with toot")


def arrived():
    return [s for s in alice.timeline_home() if text in s["content"]]


status = wait_for("the post in alice's home timeline on A", arrived)[0]
check(status["account"]["acct"] == f"bob@{b_domain}", f"author: {status['account']['acct']}")
check(status["visibility"] == "public", f"visibility: {status['visibility']}")
print("the post reached alice's home timeline on A")
print("OK")
