"""moto's server (`moto_server`), with two of its SQS hot spots made cheap. Same arguments.

Why: moto 5.2.5's SQS does O(queue depth) work per message, with a slow clock inside the loop.
Every `Message.visible` / `Message.delayed` reads the time through moto.core.utils.unix_time(),
which builds two datetime objects (~12 us); the queue's ApproximateNumberOf* attributes read it
for every message in the queue; and ReceiveMessage, for every message it returns, checks the
retention period through get_queue_attributes(), which computes all those attributes three times.
At a depth of 1,000 a receive took ~0.9 s and a send ~0.3 s (docs/FAULTS.md): a queue that falls
behind (a fault, a busy CPU) costs quadratically more to drain, and the fault suite's moto path
ran for 6 minutes instead of 45 s. Measured in-process: 1,000 sends, then receive/delete until
empty, took 23 s + 68 s before, 1.0 s + 1.2 s after.

What changes is only how the same values are read: the clock is time.time() (the same seconds
since the epoch, UTC), and the retention period is the queue's own attribute (the value
get_queue_attributes() returns). Nothing else of moto is touched. If a moto upgrade moves either
name, the server refuses to start and says so, rather than run slow or half-patched.
"""

import sys
import time

import moto.sqs.models as sqs_models
from moto.server import main

original_unix_time = sqs_models.unix_time

PATCHED_NOTICE = "moto_server.py: SQS reads the clock with time.time() and MessageRetentionPeriod off the queue"


def unix_time(dt=None):
    """Seconds since the epoch, as moto.core.utils.unix_time() returns them, without datetimes."""
    return time.time() if dt is None else original_unix_time(dt)


def unix_time_millis(dt=None):
    return unix_time(dt) * 1000.0


def is_message_valid_based_on_retention_period(self, queue_name, message):
    """moto's own check, reading MessageRetentionPeriod off the queue instead of computing every attribute."""
    retention_period = self.get_queue(queue_name).message_retention_period
    return retention_period + message.sent_timestamp / 1000 > unix_time()


def patch():
    backend = sqs_models.SQSBackend
    missing = [
        name
        for name, owner in [
            ("unix_time", sqs_models),
            ("unix_time_millis", sqs_models),
            ("is_message_valid_based_on_retention_period", backend),
        ]
        if not hasattr(owner, name)
    ]
    if missing:
        sys.exit(
            f"scripts/moto/moto_server.py: moto.sqs.models no longer has {', '.join(missing)}; "
            "review the patch against the new moto before starting it"
        )
    drift = abs(unix_time() - original_unix_time())
    if drift > 1:
        sys.exit(f"scripts/moto/moto_server.py: time.time() and moto's clock differ by {drift:.3f} s")
    sqs_models.unix_time = unix_time
    sqs_models.unix_time_millis = unix_time_millis
    backend.is_message_valid_based_on_retention_period = is_message_valid_based_on_retention_period
    # LocalMoto's tests look for this line in the server's log.
    print(PATCHED_NOTICE, file=sys.stderr, flush=True)


if __name__ == "__main__":
    patch()
    sys.exit(main(sys.argv[1:]))
