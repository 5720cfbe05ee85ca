"""Drives a live Interspace instance with the toot 0.52.1 command line.

Environment: BASE, TOOT (path of the toot executable), DORA_EMAIL, DORA_PASSWORD, BOB,
BOB_POST (text of a post by BOB that must show up in the home timeline after following him).
Each run uses its own XDG_CONFIG_HOME. Prints OK at the end.
"""
import os
import subprocess
import sys
import tempfile

base = os.environ["BASE"]
toot = os.environ["TOOT"]
env = dict(os.environ, XDG_CONFIG_HOME=tempfile.mkdtemp(prefix="toot-"), NO_COLOR="1", TERM="dumb")


def run(*args):
    res = subprocess.run([toot, *args], env=env, capture_output=True, text=True, timeout=60)
    out = res.stdout + res.stderr
    if res.returncode != 0:
        print(f"FAILED: toot {' '.join(args)} exited {res.returncode}:\n{out}", file=sys.stderr)
        sys.exit(1)
    return out


def check(cond, what, out):
    if not cond:
        print(f"FAILED: {what}\n{out}", file=sys.stderr)
        sys.exit(1)


out = run("login_cli", "-i", base, "-e", os.environ["DORA_EMAIL"], "-p", os.environ["DORA_PASSWORD"])
check("Successfully logged in" in out, "login_cli", out)
out = run("whoami")
check("@dora" in out, "whoami shows the account", out)
out = run("post", "Hello from toot")
check("Toot posted" in out, "post", out)
out = run("follow", os.environ["BOB"])
check("now following" in out.lower(), "follow", out)
out = run("timeline", "--once")
check(os.environ["BOB_POST"] in out, "bob's post in the home timeline", out)
check("Hello from toot" in out, "own post in the home timeline", out)
print("OK")
