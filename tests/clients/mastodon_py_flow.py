"""Drives a live Interspace instance with Mastodon.py 2.3.3, as a member's app would.

Environment: BASE (http://localhost:PORT), ALICE_EMAIL, ALICE_PASSWORD (a member who logs in
here), BOB (username of a second member), BOB_TOKEN (his access token). Exits non-zero on the
first failed expectation; prints OK at the end.
"""
import os
import sys

from mastodon import Mastodon

base = os.environ["BASE"]
bob_name = os.environ["BOB"]


def check(cond, what):
    if not cond:
        print(f"FAILED: {what}", file=sys.stderr)
        sys.exit(1)


client_id, client_secret = Mastodon.create_app(
    "mastodon-py-flow", api_base_url=base, scopes=["read", "write", "follow", "push"]
)
alice = Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=base)
alice.log_in(
    os.environ["ALICE_EMAIL"],
    os.environ["ALICE_PASSWORD"],
    scopes=["read", "write", "follow", "push"],
    allow_http=True,
)
me = alice.account_verify_credentials()
check(me["acct"] == os.environ["ALICE_EMAIL"].split("@")[0], f"verify_credentials: {me['acct']}")
print("logged in as", me["acct"])

mine = alice.status_post("Hello from Mastodon.py", sensitive=False)
check("Hello from Mastodon.py" in mine["content"], "status_post content")

found = alice.search(bob_name, resolve=True, result_type="accounts")
bob_accounts = [a for a in found["accounts"] if a["acct"] == bob_name]
check(bob_accounts, f"search found {bob_name}: {found['accounts']}")
bob_id = bob_accounts[0]["id"]
check(alice.account_lookup(bob_name)["id"] == bob_id, "account_lookup")
rel = alice.account_follow(bob_id, reblogs=True, notify=False)
check(rel["following"], f"account_follow: {rel}")
print("following", bob_name)

bob = Mastodon(access_token=os.environ["BOB_TOKEN"], api_base_url=base)
news = bob.status_post("Bob's news from the front desk")
home = alice.timeline_home()
check(any(s["id"] == news["id"] for s in home), "bob's post in alice's home timeline")
check(any(s["id"] == mine["id"] for s in home), "alice's own post in her home timeline")
print("home timeline has", len(home), "posts")

reply = bob.status_post(f"@{me['acct']} welcome!", in_reply_to_id=mine["id"])
notes = alice.notifications()
mentions = [n for n in notes if n["type"] == "mention" and n["status"]["id"] == reply["id"]]
check(mentions, f"mention notification for the reply: {[n['type'] for n in notes]}")
check(mentions[0]["account"]["id"] == bob_id, "the notification is from bob")
context = alice.status_context(mine["id"])
check(any(s["id"] == reply["id"] for s in context["descendants"]), "the reply is in the thread")
print("notified of the reply")

alice.status_favourite(reply["id"])
bob_notes = bob.notifications()
check(any(n["type"] == "favourite" for n in bob_notes), "bob was notified of the favourite")
check(any(n["type"] == "follow" for n in bob_notes), "bob was notified of the follow")
print("OK")
