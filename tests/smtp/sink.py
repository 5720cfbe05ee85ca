"""A loopback SMTP server for the test suite (aiosmtpd from PyPI).

Every message it accepts is written to OUT_DIR as one JSON file: the envelope (mail_from,
rcpt_tos), the headers, the plain-text and HTML parts, and the attachments, as Python's
`email` package parses them. Usage: sink.py PORT OUT_DIR
"""

import asyncio
import json
import os
import sys
import uuid
from email import message_from_bytes, policy

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, out_dir):
        self.out_dir = out_dir

    async def handle_DATA(self, server, session, envelope):
        msg = message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
        text = msg.get_body(preferencelist=("plain",))
        html = msg.get_body(preferencelist=("html",))
        attachments = []
        for part in msg.iter_attachments():
            content = part.get_content()
            if isinstance(content, bytes):
                content = content.decode("utf-8", "replace")
            attachments.append({
                "filename": part.get_filename(),
                "content_type": part.get_content_type(),
                "content": content,
            })
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "headers": [[k, str(v)] for k, v in msg.items()],
            "text": text.get_content() if text is not None else None,
            "html": html.get_content() if html is not None else None,
            "attachments": attachments,
        }
        name = os.path.join(self.out_dir, f"{uuid.uuid4().hex}.json")
        with open(name + ".tmp", "w", encoding="utf-8") as f:
            json.dump(record, f)
        os.replace(name + ".tmp", name)
        return "250 OK"


def main():
    port, out_dir = int(sys.argv[1]), sys.argv[2]
    controller = Controller(Sink(out_dir), hostname="127.0.0.1", port=port)
    controller.start()
    print("ready", flush=True)
    try:
        asyncio.get_event_loop().run_until_complete(asyncio.Event().wait())
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
