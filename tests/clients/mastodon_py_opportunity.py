"""Mastodon.py 2.3.3, used by a member who follows a poster on another instance: the
opportunity shows in the home timeline as an ordinary status with its skills as hashtags, and
a direct reply to it is sent like any other (the poster's instance keeps it as interest).

Environment: BASE (the follower's instance), TOKEN (the follower's access token), TITLE (the
opportunity's title), URL (its page), POSTER (the poster's acct). Prints OK at the end.
"""
import os
import sys

from mastodon import Mastodon


def check(cond, what):
    if not cond:
        print(f"FAILED: {what}", file=sys.stderr)
        sys.exit(1)


m = Mastodon(access_token=os.environ["TOKEN"], api_base_url=os.environ["BASE"])
title, url, poster = os.environ["TITLE"], os.environ["URL"], os.environ["POSTER"]
home = m.timeline_home()
posts = [s.reblog or s for s in home]
found = [s for s in posts if title in s.content]
check(found, f"no status with {title!r} in home: {[s.content for s in posts]}")
post = found[0]
check(post.url == url, f"the status's url is the opportunity page: {post.url}")
check(post.account.acct == poster, f"posted by {poster}: {post.account.acct}")
tags = sorted(t.name for t in post.tags)
check(tags == ["ceramics", "glazing"], f"skills as hashtags: {tags}")
check("/tags/ceramics" in post.content, f"hashtags linked in the text: {post.content}")
reply = m.status_post(
    f"@{poster} I would love to help with the glazing",
    in_reply_to_id=post.id,
    visibility="direct",
)
check(reply.visibility == "direct", f"a direct reply: {reply.visibility}")
check(reply.in_reply_to_id == post.id, "in reply to the opportunity")
print("reply", reply.id)
print("OK")
