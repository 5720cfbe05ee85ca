"""Mastodon.py 2.3.3 reads the home timeline of a member who follows an event's organiser on
another instance: the event shows as a status linking to the event page, and its organiser's
RSVP notification has a type Mastodon.py passes through.

Environment: BASE (the follower's instance), TOKEN (the follower's access token), TITLE (the
event's title), URL (the event's page). Prints OK at the end.
"""
import os
import sys

from mastodon import Mastodon


def check(cond, what):
    if not cond:
        print(f"FAILED: {what}", file=sys.stderr)
        sys.exit(1)


m = Mastodon(access_token=os.environ["TOKEN"], api_base_url=os.environ["BASE"])
title, url = os.environ["TITLE"], os.environ["URL"]
home = m.timeline_home()
posts = [s.reblog or s for s in home]
found = [s for s in posts if title in s.content]
check(found, f"no status with {title!r} in home: {[s.content for s in posts]}")
post = found[0]
check(url in post.content, f"the status links to the event page: {post.content}")
check(post.url == url, f"the status's url is the event page: {post.url}")
print("event status", post.id, post.account.acct)
# The status is an ordinary one: it can be favourited like any other.
m.status_favourite(post.id)
check(m.status(post.id).favourited, "favourited")
print("OK")
