"""gunicorn hooks for metrics in multiprocess mode: `gunicorn --config python:shop_video.ops.gunicorn_config ...`
with PROMETHEUS_MULTIPROC_DIR set (emptied before gunicorn starts). A worker that exits has its live gauges
dropped from /metrics; its counters stay counted."""


def child_exit(server, worker):
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
