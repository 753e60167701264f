"""Every Celery queue by name, and the one way to send a task to one.

The names live here and nowhere else: settings (SHOT_ENGINES), the engine registry, every app's dispatch.py, the
Makefile and deploy/ take them from this module (`python -m shop_video.queues` prints them for shell use).

A task is sent with `send()`, which names its queue and says what happens when the broker cannot be reached.
The policy, per kind of work, is that nothing is ever silently lost: either the work is failed with the reason,
where the merchant sees it and can ask again, or it is already a pending row that a beat sweep sends again.

| work (the dispatch module)        | queue              | broker unreachable                                          |
| --------------------------------- | ------------------ | ----------------------------------------------------------- |
| shots (generation/dispatch.py)    | cpu, gpu.<family>  | the job fails: "the task queue could not be reached (...)"  |
|                                   |                    | (the reaper's resends: the shot stays queued for its next)  |
| assembly (generation/dispatch.py) | render             | stays due (assembly_queued_at); the reaper sends it again   |
| segment cuts (live/dispatch.py)   | render             | the segment fails with the same reason                      |
| imports (catalog/dispatch.py)     | default            | the import fails: "The import could not be queued: ..."     |
| photo fetches (catalog/dispatch)  | default            | the pending photos fail with the reason; a re-import sends  |
|                                   |                    | them again                                                  |
| deliveries (webhooks/dispatch.py) | default            | the delivery stays pending; webhook_deliveries_sweep sends  |
|                                   |                    | it once the broker is back                                  |
| pushes (live/push/dispatch.py)    | live.push          | the lease lapses; live_push_supervise sends it again        |

Tasks sent without a queue (beat schedules, Celery's own retries) go to DEFAULT, CELERY_TASK_DEFAULT_QUEUE.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from kombu.exceptions import OperationalError

logger = logging.getLogger(__name__)

DEFAULT = "default"  # imports, photo fetches, webhooks, beat tasks
CPU = "cpu"  # shots of the CPU engines (motion, the CPU presenter)
RENDER = "render"  # assembly and encodes, live segment cuts
LIVE_PUSH = "live.push"  # live rooms pushed to RTMP ingests: one long-running task per destination on air
PRESENTER_FAMILY = "ltx2"  # the GPU presenter's model (docs/presenters.md); not a shot engine family
_GPU = "gpu."
GPU_PRESENTER = _GPU + PRESENTER_FAMILY


def gpu_families() -> tuple[str, ...]:
    # Read when asked, not at import: settings import this module and must not load generation/.
    from generation.engines.dit.family import FAMILY_NAMES

    return (*FAMILY_NAMES, PRESENTER_FAMILY)


def gpu_queue(family: str) -> str:
    """One queue per model family (gpu.ltx, gpu.wan, ...): a GPU worker holds one model and takes only its shots."""
    if family not in gpu_families():
        raise ValueError(f"unknown GPU model family {family!r}; use one of {', '.join(gpu_families())}")
    return _GPU + family


def names() -> tuple[str, ...]:
    """Every queue, in the order a worker that takes them all lists them."""
    return (DEFAULT, CPU, RENDER, LIVE_PUSH, *(gpu_queue(family) for family in gpu_families()))


# What counts as "the broker cannot be reached": Celery raises kombu's OperationalError for a connection it
# could not make; a transport may let the socket's own error through.
BROKER_ERRORS = (OperationalError, OSError)


@dataclass(frozen=True)
class Resend:
    """on_unreachable for work that is already a pending row: `by` (a beat task) sends it once the broker is back."""

    by: str


def send(
    task,
    args: Sequence,
    *,
    queue: str,
    on_unreachable: Callable[[str], object] | Resend,
    countdown: float | None = None,
) -> bool:
    """Send `task(*args)` to `queue`; False when the broker could not be reached.

    on_unreachable is either a callable that fails the work with the reason it is given ("the task queue could
    not be reached (...)"), or Resend(by=<sweep>) where the work stays pending and that sweep sends it later.
    Other errors are bugs and propagate."""
    try:
        task.apply_async(tuple(args), queue=queue, countdown=countdown)
    except BROKER_ERRORS as exc:
        reason = f"the task queue could not be reached ({exc})"
        if isinstance(on_unreachable, Resend):
            logger.warning(
                "%s%s not sent: %s; check CELERY_BROKER_URL (%s sends it later)",
                task.name,
                tuple(args),
                reason,
                on_unreachable.by,
            )
        else:
            logger.error(
                "%s%s not sent: %s; check CELERY_BROKER_URL (the work is failed with the reason)",
                task.name,
                tuple(args),
                reason,
            )
            on_unreachable(reason)
        return False
    return True


def main(argv: list[str]) -> int:
    """`python -m shop_video.queues`: every queue, comma-separated (a worker's --queues);
    `python -m shop_video.queues gpu FAMILY`: that family's GPU queue."""
    if not argv:
        print(",".join(names()))
        return 0
    if len(argv) == 2 and argv[0] == "gpu":
        try:
            print(gpu_queue(argv[1]))
        except ValueError as exc:
            print(exc, file=sys.stderr)
            return 2
        return 0
    print("usage: python -m shop_video.queues [gpu FAMILY]", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
