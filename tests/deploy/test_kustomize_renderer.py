"""tests/deploy/kustomize.py renders what kustomize renders: checked against `kubectl kustomize` where kubectl is
installed, and on small cases for each feature (which run everywhere)."""

from __future__ import annotations

import shutil
import subprocess
import textwrap

import pytest
import yaml

from tests.deploy.kustomize import KustomizeError, build
from tests.deploy.manifests import KUBERNETES, OVERLAYS


def _normalised(value):
    """Kustomize orders objects by kind and merged list items its own way; neither changes what is applied."""
    if isinstance(value, dict):
        return {key: _normalised(item) for key, item in value.items()}
    if isinstance(value, list):
        items = [_normalised(item) for item in value]
        for key in ("name", "mountPath"):
            if items and all(isinstance(item, dict) and key in item for item in items):
                return sorted(items, key=lambda item: str(item[key]))
        return items
    return value


def _by_id(objects):
    return {(obj["kind"], obj["metadata"]["name"]): _normalised(obj) for obj in objects}


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl is not installed here")
@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_overlays_render_as_kubectl_kustomize_renders_them(overlay):
    folder = KUBERNETES / "overlays" / overlay
    done = subprocess.run(["kubectl", "kustomize", str(folder)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert _by_id(build(folder)) == _by_id(yaml.safe_load_all(done.stdout))


def _write(folder, files):
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))


DEPLOYMENT = """\
    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: web, labels: {tier: front}}
    spec:
      template:
        spec:
          containers:
            - {name: app, image: shop-video, env: [{name: A, value: "1"}]}
            - {name: side, image: nginx:1}
          volumes:
            - {name: models, persistentVolumeClaim: {claimName: weights}}
          tolerations: [{key: a, operator: Exists}]
    ---
    apiVersion: v1
    kind: ConfigMap
    metadata: {name: env}
    data: {A: "1"}
    """


def test_each_feature_on_a_small_case(tmp_path):
    _write(
        tmp_path,
        {
            "base/kustomization.yaml": """\
                namespace: ns
                labels: [{pairs: {part-of: shop}}]
                resources: [objects.yaml]
                """,
            "base/objects.yaml": DEPLOYMENT,
            "overlay/kustomization.yaml": """\
                resources: [../base]
                images: [{name: shop-video, newName: registry/shop, newTag: "2"}]
                patches:
                  - path: merge.yaml
                  - path: drop.yaml
                  - path: all.yaml
                    target: {kind: Deployment, labelSelector: "tier=front,part-of!=other"}
                """,
            "overlay/merge.yaml": """\
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: web}
                spec:
                  replicas: 3
                  template:
                    spec:
                      containers: [{name: app, env: [{name: B, value: "2"}]}]
                      volumes: [{name: models, persistentVolumeClaim: null, hostPath: {path: /models}}]
                      tolerations: [{key: b, operator: Exists}]
                """,
            "overlay/drop.yaml": "$patch: delete\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: env}\n",
            "overlay/all.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\nspec: {paused: true}\n",
        },
    )
    (deployment,) = build(tmp_path / "overlay")
    assert deployment["metadata"] == {"name": "web", "namespace": "ns", "labels": {"tier": "front", "part-of": "shop"}}
    spec = deployment["spec"]
    assert spec["replicas"] == 3 and spec["paused"] is True
    app, side = spec["template"]["spec"]["containers"]
    assert app == {
        "name": "app",
        "image": "registry/shop:2",
        "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}],
    }
    assert side["image"] == "nginx:1"
    assert spec["template"]["spec"]["volumes"] == [{"name": "models", "hostPath": {"path": "/models"}}]
    assert spec["template"]["spec"]["tolerations"] == [{"key": "b", "operator": "Exists"}]  # no merge key: replaced
    if shutil.which("kubectl"):
        done = subprocess.run(["kubectl", "kustomize", str(tmp_path / "overlay")], capture_output=True, text=True)
        assert _by_id([deployment]) == _by_id(yaml.safe_load_all(done.stdout))


def test_what_it_does_not_support_is_refused(tmp_path):
    _write(tmp_path, {"kustomization.yaml": "resources: []\nnamePrefix: prod-\n"})
    with pytest.raises(KustomizeError, match="namePrefix"):
        build(tmp_path)
    _write(tmp_path, {"kustomization.yaml": "resources: [d.yaml]\npatches: [{path: p.yaml}]\n", "d.yaml": DEPLOYMENT})
    _write(tmp_path, {"p.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: missing}\nspec: {}\n"})
    with pytest.raises(KustomizeError, match="matches no object"):
        build(tmp_path)
