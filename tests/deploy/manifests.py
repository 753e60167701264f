"""The rendered deploy/kubernetes overlays and small readers over them, shared by the tests in this folder."""

from __future__ import annotations

import functools
import re
from pathlib import Path

import yaml

from tests.deploy.kustomize import build

ROOT = Path(__file__).resolve().parents[2]
KUBERNETES = ROOT / "deploy" / "kubernetes"
OVERLAYS = ("one-node", "gpu-fleet")
WORKLOADS = {"Deployment", "Job"}


@functools.cache
def rendered(overlay: str) -> tuple[dict, ...]:
    return tuple(build(KUBERNETES / "overlays" / overlay))


@functools.cache
def example_secrets() -> tuple[dict, ...]:
    return tuple(doc for doc in yaml.safe_load_all((KUBERNETES / "secrets.example.yaml").read_text()) if doc)


def of_kind(objects, kind: str) -> list[dict]:
    return [obj for obj in objects if obj["kind"] == kind]


def named(objects, kind: str, name: str) -> dict:
    (found,) = [obj for obj in of_kind(objects, kind) if obj["metadata"]["name"] == name]
    return found


def pod_spec(workload: dict) -> dict:
    return workload["spec"]["template"]["spec"]


def app_container(workload: dict) -> dict:
    (app,) = [c for c in pod_spec(workload)["containers"] if c["name"] == "app"]
    return app


def all_containers(workload: dict) -> list[dict]:
    spec = pod_spec(workload)
    return [*spec.get("initContainers", []), *spec["containers"]]


def container_env(objects, container: dict) -> dict[str, str]:
    """The environment a container starts with: its envFrom ConfigMaps and Secrets (the example Secrets' values),
    then its own env, as the kubelet resolves them."""
    env: dict[str, str] = {}
    for source in container.get("envFrom", []):
        if "configMapRef" in source:
            env.update(named(objects, "ConfigMap", source["configMapRef"]["name"])["data"])
        else:
            env.update(named(example_secrets(), "Secret", source["secretRef"]["name"])["stringData"])
    env.update({item["name"]: item["value"] for item in container.get("env", [])})
    return env


def celery_role(container: dict) -> tuple[str, list[str]] | None:
    """('worker', queues) or ('beat', []) for a Celery container; None for anything else."""
    command = [*container.get("command", []), *container.get("args", [])]
    if command[:3] != ["celery", "-A", "shop_video"]:
        return None
    if command[3] == "beat":
        return "beat", []
    queues = [arg.split("=", 1)[1] for arg in command if arg.startswith("--queues=")]
    return "worker", queues[0].split(",") if queues else []


def workers(objects) -> dict[str, dict]:
    """Each Celery worker Deployment by the queues it consumes (one queue each here)."""
    found = {}
    for deployment in of_kind(objects, "Deployment"):
        role = celery_role(app_container(deployment))
        if role and role[0] == "worker":
            for queue in role[1]:
                found.setdefault(queue, []).append(deployment)
    return found


def selects(selector: dict, labels: dict) -> bool:
    return all(labels.get(key) == value for key, value in selector.items())


def gibibytes(quantity: str) -> float:
    number, unit = re.fullmatch(r"(\d+(?:\.\d+)?)(Mi|Gi|Ti)", quantity).groups()
    return float(number) * {"Mi": 1 / 1024, "Gi": 1, "Ti": 1024}[unit]
