"""An email backend for tests whose worker runs in another process: each message becomes
a JSON file in TEST_OUTBOX_DIR. With TEST_OUTBOX_CRASH_FLAG pointing at an existing file,
the process kills itself (SIGKILL, no cleanup) before sending message number
TEST_OUTBOX_CRASH_AFTER + 1 — a worker dying in the middle of a batch — once."""

import json
import os
import signal
import uuid
from pathlib import Path

from django.core.mail.backends.base import BaseEmailBackend


class FileBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        folder = Path(os.environ["TEST_OUTBOX_DIR"])
        folder.mkdir(parents=True, exist_ok=True)
        crash_flag = os.environ.get("TEST_OUTBOX_CRASH_FLAG")
        crash_after = int(os.environ.get("TEST_OUTBOX_CRASH_AFTER", "0"))
        for message in email_messages:
            if crash_flag and Path(crash_flag).exists() and len(list(folder.glob("*.json"))) >= crash_after:
                Path(crash_flag).unlink()
                os.kill(os.getpid(), signal.SIGKILL)
            record = {
                "to": message.to,
                "subject": message.subject,
                "message_id": message.extra_headers.get("Message-ID", ""),
                "body": message.body,
                "html": [
                    content for content, mimetype in getattr(message, "alternatives", []) if mimetype == "text/html"
                ],
            }
            path = folder / f"{uuid.uuid4().hex}.json"
            tmp = path.with_suffix(".tmp")
            tmp.write_text(json.dumps(record))
            tmp.rename(path)  # readers never see half a file
        return len(email_messages)


def read(folder) -> list[dict]:
    return [json.loads(p.read_text()) for p in sorted(Path(folder).glob("*.json"))]
