"""A small kustomize, for the features deploy/kubernetes/ uses, so CI can render the overlays with no kustomize
binary (it is not on PyPI, and Debian's kubernetes-client carries a kustomize too old for `labels` and
`patches`). Where `kubectl` is on PATH, tests/deploy/test_kustomize_renderer.py checks that both give the same
objects.

Supported, with kustomize's meaning:
- `resources`: YAML files (several documents each) and folders holding a kustomization.yaml, in order;
- `namespace`: set on every namespaced object (a Namespace object keeps its name);
- `labels: [{pairs: {...}}]` without includeSelectors / includeTemplates: added to every object's
  metadata.labels only;
- `images: [{name, newName, newTag}]`: the image of every container and init container of a pod template;
- `patches: [{path, target?}]`: strategic-merge patches. Without a target a patch applies to the object of its
  own kind and name; a target selects by kind, name (a regular expression, matched whole) and labelSelector
  (`key=value,key!=value,...`). `$patch: delete` removes the object. In a patch, null deletes a field; lists of the core
  types merge by their key (containers by name, volumeMounts by mountPath, ...), every other list is replaced.

Anything else in a kustomization.yaml is refused, so a new feature cannot be silently ignored here.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path

import yaml

KNOWN_FIELDS = {"apiVersion", "kind", "namespace", "labels", "resources", "images", "patches"}
CLUSTER_SCOPED = {"Namespace", "PersistentVolume", "StorageClass", "ClusterRole", "ClusterRoleBinding"}
# Strategic-merge keys of the list fields these manifests patch (Kubernetes' patchMergeKey for each), for objects
# of the core API groups; a custom resource (a KEDA ScaledObject) has no merge keys, so its lists are replaced.
MERGE_KEYS = {
    "containers": "name",
    "initContainers": "name",
    "volumes": "name",
    "env": "name",
    "volumeMounts": "mountPath",
    "ports": "containerPort",
    "tolerations": None,  # no merge key in Kubernetes: replaced
}
CORE_GROUPS = {"v1", "apps/v1", "batch/v1", "policy/v1", "networking.k8s.io/v1"}


class KustomizeError(Exception):
    pass


def build(folder: Path) -> list[dict]:
    """The objects `kustomize build folder` prints (in the order resources list them, not kustomize's sort)."""
    folder = Path(folder)
    config = yaml.safe_load((folder / "kustomization.yaml").read_text())
    unknown = set(config) - KNOWN_FIELDS
    if unknown:
        raise KustomizeError(
            f"{folder}/kustomization.yaml: {sorted(unknown)} not supported by tests/deploy/kustomize.py"
        )
    objects: list[dict] = []
    for entry in config.get("resources", []):
        path = folder / entry
        if path.is_dir():
            objects.extend(build(path))
        else:
            objects.extend(doc for doc in yaml.safe_load_all(path.read_text()) if doc)
    for patch in config.get("patches", []):
        objects = _apply_patch(objects, folder / patch["path"], patch.get("target"))
    for obj in objects:
        if config.get("namespace") and obj["kind"] not in CLUSTER_SCOPED:
            obj["metadata"]["namespace"] = config["namespace"]
        for label_set in config.get("labels", []):
            if label_set.get("includeSelectors") or label_set.get("includeTemplates"):
                raise KustomizeError("labels: includeSelectors / includeTemplates not supported")
            obj["metadata"].setdefault("labels", {}).update(label_set["pairs"])
        for image in config.get("images", []):
            _set_image(obj, image)
    return objects


def _apply_patch(objects: list[dict], path: Path, target: dict | None) -> list[dict]:
    patch = yaml.safe_load(path.read_text())
    if target is None:
        target = {"kind": patch["kind"], "name": re.escape(patch["metadata"]["name"])}
    matched = [obj for obj in objects if _selected(obj, target)]
    if not matched:
        raise KustomizeError(f"patch {path} matches no object")  # kustomize fails too, for a patch without target
    if patch.get("$patch") == "delete":
        return [obj for obj in objects if not any(obj is hit for hit in matched)]
    body = {key: value for key, value in patch.items() if key not in {"apiVersion", "kind", "metadata"}}
    metadata = {key: value for key, value in (patch.get("metadata") or {}).items() if key not in {"name", "namespace"}}
    for obj in matched:
        core = obj["apiVersion"] in CORE_GROUPS
        _merge(obj, body, core)
        if metadata:
            _merge(obj["metadata"], metadata, core)
    return objects


def _selected(obj: dict, target: dict) -> bool:
    if "kind" in target and obj["kind"] != target["kind"]:
        return False
    if "name" in target and not re.fullmatch(target["name"], obj["metadata"]["name"]):
        return False
    labels = obj["metadata"].get("labels") or {}
    for requirement in filter(None, (target.get("labelSelector") or "").split(",")):
        key, negated, value = re.fullmatch(r"\s*([^!=\s]+)\s*(!?)=\s*(\S*)\s*", requirement).groups()
        if (labels.get(key) == value) == bool(negated):
            return False
    unknown = set(target) - {"kind", "name", "labelSelector"}
    if unknown:
        raise KustomizeError(f"patch target fields {sorted(unknown)} not supported")
    return True


def _merge(into: dict, patch: dict, core: bool) -> None:
    for key, value in patch.items():
        if value is None:
            into.pop(key, None)
        elif isinstance(value, dict) and isinstance(into.get(key), dict):
            _merge(into[key], value, core)
        elif isinstance(value, list) and isinstance(into.get(key), list) and core and MERGE_KEYS.get(key):
            _merge_list(into[key], value, MERGE_KEYS[key], core)
        else:
            into[key] = copy.deepcopy(value)


def _merge_list(into: list, patch: list, key: str, core: bool) -> None:
    for item in patch:
        same = next((existing for existing in into if existing.get(key) == item.get(key)), None)
        if same is None:
            into.append(copy.deepcopy(item))
        else:
            _merge(same, item, core)


def _set_image(obj: dict, image: dict) -> None:
    pod = ((obj.get("spec") or {}).get("template") or {}).get("spec") or {}
    for container in [*pod.get("containers", []), *pod.get("initContainers", [])]:
        name = re.split(r"[@:]", container["image"], maxsplit=1)[0]
        if name == image["name"]:
            container["image"] = f"{image.get('newName', name)}:{image['newTag']}"
