"""Running the platform: probes (/healthz, /readyz), Prometheus metrics (/metrics and each worker's own port),
worker liveness and graceful shutdown, structured logs with the job and merchant. See docs/operations.md."""
