"""The manifests agree with each other and with the app: every queue has a worker and a ScaledObject, selectors
find their pods, every name referred to exists, every variable set is one something reads, the required ones are
set, probe paths are routes, and the environment of a web pod makes a production configuration that passes
`manage.py check --deploy`."""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.urls import Resolver404, resolve

from generation.engines.dit.family import FAMILY_NAMES
from shop_video import queues
from tests.deploy.manifests import (
    OVERLAYS,
    ROOT,
    all_containers,
    app_container,
    container_env,
    example_secrets,
    gibibytes,
    named,
    of_kind,
    pod_spec,
    rendered,
    selects,
    workers,
)
from tests.s3_server import S3Server

# Variables read by libraries, not by our code: boto3 (the bucket's credentials), huggingface_hub.
READ_BY_LIBRARIES = {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "HF_HUB_OFFLINE"}
_READ = re.compile(r"""(?:env_[a-z]+|environ\.get|getenv|environ\[)\(?\s*["']([A-Z][A-Z0-9_]*)["']""")


def _read_by_the_code() -> set[str]:
    names = set()
    for package in ("shop_video", "catalog", "generation"):
        for path in (ROOT / package).rglob("*.py"):
            names.update(_READ.findall(path.read_text()))
    return names


def _keda_env(objects) -> set[str]:
    return {
        value
        for scaled in of_kind(objects, "ScaledObject")
        for trigger in scaled["spec"]["triggers"]
        for key, value in trigger["metadata"].items()
        if key.endswith("FromEnv")
    }


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_queue_has_one_worker_deployment_and_a_scaled_object_on_its_redis_list(overlay):
    objects = rendered(overlay)
    found = workers(objects)
    assert set(found) == set(queues.names())  # no queue without a worker, no worker on an unknown queue
    broker = urlsplit(container_env(objects, app_container(named(objects, "Deployment", "web")))["CELERY_BROKER_URL"])
    for queue, deployments in found.items():
        assert len(deployments) == 1, queue
        name = deployments[0]["metadata"]["name"]
        scaled = [s for s in of_kind(objects, "ScaledObject") if s["spec"]["scaleTargetRef"]["name"] == name]
        assert len(scaled) == 1, queue
        (trigger,) = scaled[0]["spec"]["triggers"]
        assert trigger["type"] == "redis" and trigger["metadata"]["listName"] == queue
        # KEDA reads the same Redis database Celery writes to: the address comes from the target's env.
        env = container_env(objects, app_container(deployments[0]))
        assert env[trigger["metadata"]["addressFromEnv"]] == broker.netloc
        assert trigger["metadata"]["databaseIndex"] == broker.path.strip("/")
        assert env["CELERY_BROKER_URL"] == broker.geturl()


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_selectors_find_their_pods_and_every_reference_resolves(overlay):
    objects = rendered(overlay)
    deployments = of_kind(objects, "Deployment")
    for deployment in deployments:
        assert selects(
            deployment["spec"]["selector"]["matchLabels"], deployment["spec"]["template"]["metadata"]["labels"]
        )
    for service in of_kind(objects, "Service"):
        (target,) = [
            d for d in deployments if selects(service["spec"]["selector"], d["spec"]["template"]["metadata"]["labels"])
        ]
        ports = {p["name"] for c in pod_spec(target)["containers"] for p in c.get("ports", [])}
        assert {port["targetPort"] for port in service["spec"]["ports"]} <= ports
    for budget in of_kind(objects, "PodDisruptionBudget"):
        hits = [
            d
            for d in deployments
            if selects(budget["spec"]["selector"]["matchLabels"], d["spec"]["template"]["metadata"]["labels"])
        ]
        assert len(hits) == 1, budget["metadata"]["name"]
    budgeted = {b["metadata"]["name"] for b in of_kind(objects, "PodDisruptionBudget")}
    assert budgeted == {d["metadata"]["name"] for d in deployments} - {"beat"}
    for ingress in of_kind(objects, "Ingress"):
        for rule in ingress["spec"]["rules"]:
            for path in rule["http"]["paths"]:
                service = named(objects, "Service", path["backend"]["service"]["name"])
                assert path["backend"]["service"]["port"]["name"] in {p["name"] for p in service["spec"]["ports"]}
    secrets = {s["metadata"]["name"]: s for s in example_secrets()}
    for workload in [*deployments, *of_kind(objects, "Job")]:
        for volume in pod_spec(workload).get("volumes", []):
            if "configMap" in volume:
                named(objects, "ConfigMap", volume["configMap"]["name"])
            if "persistentVolumeClaim" in volume:
                named(objects, "PersistentVolumeClaim", volume["persistentVolumeClaim"]["claimName"])
            if "secret" in volume:
                assert volume["secret"]["secretName"] in secrets
        for container in all_containers(workload):
            container_env(objects, container)  # every envFrom source exists (named() finds exactly one)
            volumes = {v["name"] for v in pod_spec(workload).get("volumes", [])}
            assert {m["name"] for m in container.get("volumeMounts", [])} <= volumes


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_variable_set_is_read_by_something(overlay):
    objects = rendered(overlay)
    set_names = set(named(objects, "ConfigMap", "shop-video-env")["data"])
    set_names |= set(named(example_secrets(), "Secret", "shop-video-env")["stringData"])
    for deployment in of_kind(objects, "Deployment"):
        set_names |= {item["name"] for c in all_containers(deployment) for item in c.get("env", [])}
    unread = set_names - _read_by_the_code() - READ_BY_LIBRARIES - _keda_env(objects)
    assert not unread, sorted(unread)
    assert "DEBUG" in _read_by_the_code() and "WORKER_SCRATCH_DIRR" not in set_names  # the reader sees our names


def _mounted(container: dict, path: str) -> dict | None:
    for mount in container.get("volumeMounts", []):
        if path == mount["mountPath"] or path.startswith(mount["mountPath"].rstrip("/") + "/"):
            return mount
    return None


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_process_has_what_it_needs_to_start_in_production(overlay):
    objects = rendered(overlay)
    found = workers(objects)
    for deployment in [*of_kind(objects, "Deployment"), *of_kind(objects, "Job")]:
        app = app_container(deployment)
        env = container_env(objects, app)
        assert env["DEBUG"] == "false" and env["SECRET_KEY"] and env["ALLOWED_HOSTS"]
        assert env["DATABASE_URL"].startswith("postgresql://") and env["CELERY_BROKER_URL"].startswith("redis://")
        if overlay == "one-node":  # one disk, shared: both media roots on the one volume, in every process
            if deployment["metadata"]["name"] not in {"beat", "migrate"}:
                assert (
                    _mounted(app, env["MEDIA_ROOT"])["name"]
                    == _mounted(app, env["PRIVATE_MEDIA_ROOT"])["name"]
                    == "media"
                )
        else:  # no shared disk: everything through the bucket
            assert env["MEDIA_STORAGE"].startswith("s3://") and "MEDIA_ROOT" not in env
            assert {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"} <= set(env)
    for queue, (deployment,) in found.items():
        app = app_container(deployment)
        env = container_env(objects, app)
        scratch = _mounted(app, env["WORKER_SCRATCH_DIR"])
        (volume,) = [v for v in pod_spec(deployment)["volumes"] if v["name"] == scratch["name"]]
        assert gibibytes(volume["emptyDir"]["sizeLimit"]) >= float(env["WORKER_SCRATCH_MAX_GB"]), queue
        port = env["WORKER_METRICS_PORT"]
        assert deployment["spec"]["template"]["metadata"]["annotations"]["prometheus.io/port"] == port
        assert {"name": "metrics", "containerPort": int(port)} in app["ports"]
        if queue.startswith("gpu."):
            models = dict(pair.split("=", 1) for pair in env["DIT_MODELS"].split(","))
            assert set(models) == set(FAMILY_NAMES)
            for path in [*models.values(), env["PRESENTER_DIT_MODEL"]]:
                assert _mounted(app, path)["readOnly"] is True, path
    # Render workers sign what they publish: the chain and key are files of the mounted Secret.
    render = app_container(found[queues.RENDER][0])
    env = container_env(objects, render)
    secret_keys = set(named(example_secrets(), "Secret", "shop-video-c2pa")["stringData"])
    for path in (env["C2PA_SIGN_CERT"], env["C2PA_SIGN_KEY"]):
        mount = _mounted(render, path)
        (volume,) = [v for v in pod_spec(found[queues.RENDER][0])["volumes"] if v["name"] == mount["name"]]
        assert volume["secret"]["secretName"] == "shop-video-c2pa" and Path(path).name in secret_keys
        assert str(Path(path).parent) == mount["mountPath"]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_probes_ask_the_app_routes_it_has(overlay):
    objects = rendered(overlay)
    app = app_container(named(objects, "Deployment", "web"))
    port = {p["name"]: p["containerPort"] for p in app["ports"]}
    annotations = named(objects, "Deployment", "web")["spec"]["template"]["metadata"]["annotations"]
    assert int(annotations["prometheus.io/port"]) == port["app"] and annotations["prometheus.io/path"] == "/metrics"
    for probe in (app["readinessProbe"], app["livenessProbe"]):
        assert probe["httpGet"]["port"] == "app"
        try:
            resolve(probe["httpGet"]["path"])
        except Resolver404:
            pytest.fail(f"{probe['httpGet']['path']} is not a route in shop_video/urls.py (shop_video/ops adds it)")
    assert importlib.util.find_spec("shop_video.ops.worker_liveness") is not None
    # gunicorn's three processes count into one folder that /metrics reads back whole.
    assert _mounted(app, container_env(objects, app)["PROMETHEUS_MULTIPROC_DIR"])["name"] == "metrics"


def _real_secrets(env: dict) -> dict:
    return {**env, "SECRET_KEY": "k8s-test-" + "x7Qp" * 16, "DATABASE_URL": "postgresql://u:p@127.0.0.1:9/db"}


def test_a_web_pods_environment_passes_check_deploy(tmp_path):
    """The ConfigMap of the gpu-fleet overlay, with the Secret filled in, is a production configuration."""
    objects = rendered("gpu-fleet")
    env = _real_secrets(container_env(objects, app_container(named(objects, "Deployment", "web"))))
    env.update(VAR_DIR=str(tmp_path), STATIC_ROOT=str(tmp_path / "static"))
    keep = {key: value for key, value in os.environ.items() if key in {"PATH", "PYTHONPATH", "HOME", "LANG"}}
    # The start-up check reaches the overlay's bucket: here a real S3-compatible server stands in for AWS's endpoint.
    bucket, _, prefix = env["MEDIA_STORAGE"].removeprefix("s3://").partition("/")
    server = S3Server.start()
    try:
        server.bucket_create(bucket)
        bucket_env = server.environment(bucket=bucket, prefix=prefix)
        bucket_env.pop("AWS_S3_REGION_NAME")  # the overlay's own region stays
        result = subprocess.run(
            [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
            cwd=ROOT,
            env={**keep, **env, **bucket_env},
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        server.stop()
    assert result.returncode == 0, result.stdout + result.stderr
