#!/usr/bin/env bash
# GPU workers for the DiT engine: one Celery worker per GPU, pinned with CUDA_VISIBLE_DEVICES, each holding one
# model family and consuming only that family's queue (gpu.ltx, gpu.wan, gpu.cogvideox); `ltx2` is the GPU
# presenter (LTX-2, queue gpu.ltx2, weights in PRESENTER_DIT_MODEL; docs/presenters.md).
#
#   deploy/gpu-workers.sh ltx:0 ltx:1 wan:2 ltx2:3   # two LTX GPUs, one Wan GPU and a presenter GPU
#
# Prefork with one child, not --pool solo: the hard time limit needs a child the parent can kill, and the
# model is loaded in that child after the fork (worker_process_init, DIT_PRELOAD), never in the parent.
# --prefetch-multiplier 1: a GPU never holds a second shot's message while another GPU is idle.
# Each worker needs DATABASE_URL, CELERY_BROKER_URL, MEDIA_ROOT (shared with the web app) and DIT_MODELS.
# SHOT_DELIVERY_WORKERS (default here 4 per GPU): processes that retime, upscale and encode one shot while the GPU
# denoises the next (generation/shot_delivery.py); give each GPU that many cores besides its worker's own, and a
# stop grace period that covers the shots in flight (docs/capacity.md).
# Queue names come from shop_video/queues.py (an unknown family stops here, before any worker starts).
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -gt 0 ] || { echo "usage: $0 FAMILY:GPU [FAMILY:GPU ...]   e.g. $0 ltx:0 wan:1" >&2; exit 2; }
CELERY=${CELERY:-.venv/bin/celery}
PYTHON=${PYTHON:-.venv/bin/python}
queues=()
for pair in "$@"; do
  queues+=("$("$PYTHON" -m shop_video.queues gpu "${pair%%:*}")")
done
pids=()
i=0
for pair in "$@"; do
  family=${pair%%:*}
  gpu=${pair#*:}
  queue=${queues[$i]}
  i=$((i + 1))
  if [ "$family" = ltx2 ]; then  # the presenter loads at its first shot; DIT_* families are the shot engine's
    preload=()
  else
    preload=(DIT_PRELOAD="$family" DIT_DEFAULT_FAMILY="$family")
  fi
  env CUDA_VISIBLE_DEVICES="$gpu" SHOT_DELIVERY_WORKERS="${SHOT_DELIVERY_WORKERS:-4}" "${preload[@]}" "$CELERY" -A shop_video worker \
    --queues "$queue" --pool prefork --concurrency 1 --prefetch-multiplier 1 \
    --without-mingle --without-gossip --hostname "gpu$gpu-$family@%h" --loglevel INFO &
  pids+=($!)
done
trap 'kill -TERM "${pids[@]}" 2>/dev/null; wait' INT TERM
wait
