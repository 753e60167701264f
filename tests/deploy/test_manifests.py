"""deploy/kubernetes/: each overlay renders, every object is valid against the Kubernetes schemas (and the
ScaledObjects against KEDA's CRD schema), the YAML is lint-clean, and the workloads have what the issue asks of
them: resources, probes, grace periods, a beat that never runs twice, GPU workers that scale to zero."""

from __future__ import annotations

import copy

import jsonschema
import kubernetes_validate
import pytest
import yaml
from django.conf import settings
from yamllint import linter
from yamllint.config import YamlLintConfig

from generation.engines.dit.family import FAMILY_NAMES
from shop_video import queues
from tests.deploy.manifests import (
    KUBERNETES,
    OVERLAYS,
    ROOT,
    all_containers,
    app_container,
    celery_role,
    named,
    of_kind,
    pod_spec,
    rendered,
    workers,
)

# The oldest Kubernetes these manifests are for: ReadWriteOncePod (beat's schedule volume) is GA from 1.29.
KUBERNETES_VERSION = "1.29.0"
GPU_QUEUES = {queues.gpu_queue(family) for family in queues.gpu_families()}


def _strict(schema):
    """The CRD schema as the API server applies it with strict field validation (kubectl's default): a field
    the schema does not name is an error, not silently dropped."""
    if isinstance(schema, dict):
        schema = {key: _strict(value) for key, value in schema.items()}
        if "properties" in schema and "additionalProperties" not in schema:
            schema["additionalProperties"] = False
    elif isinstance(schema, list):
        schema = [_strict(item) for item in schema]
    return schema


@pytest.fixture(scope="module")
def keda_schema():
    crd = yaml.safe_load((KUBERNETES / "schemas" / "keda.sh_scaledobjects.yaml").read_text())
    (version,) = crd["spec"]["versions"]
    return _strict(version["schema"]["openAPIV3Schema"])


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_object_is_valid_for_kubernetes_or_keda(overlay, keda_schema):
    objects = rendered(overlay)
    assert {"Deployment", "Service", "Ingress", "Job", "ConfigMap", "PodDisruptionBudget", "ScaledObject"} <= {
        obj["kind"] for obj in objects
    }
    for obj in objects:
        if obj["apiVersion"] == "keda.sh/v1alpha1":
            jsonschema.validate(obj, keda_schema)
        else:
            kubernetes_validate.validate(obj, KUBERNETES_VERSION, strict=True)
    for secret in yaml.safe_load_all((KUBERNETES / "secrets.example.yaml").read_text()):
        kubernetes_validate.validate(secret, KUBERNETES_VERSION, strict=True)


def test_the_validators_catch_a_misspelt_field(keda_schema):
    """The two checks above are only worth something if a typo fails them."""
    deployment = copy.deepcopy(named(rendered("gpu-fleet"), "Deployment", "web"))
    deployment["spec"]["template"]["spec"]["containers"][0]["readinesProbe"] = {}
    with pytest.raises(kubernetes_validate.ValidationError, match="readinesProbe"):
        kubernetes_validate.validate(deployment, KUBERNETES_VERSION, strict=True)
    scaled = copy.deepcopy(named(rendered("gpu-fleet"), "ScaledObject", "worker-cpu"))
    scaled["spec"]["minReplicas"] = 0
    with pytest.raises(jsonschema.ValidationError, match="minReplicas"):
        jsonschema.validate(scaled, keda_schema)
    scaled = copy.deepcopy(named(rendered("gpu-fleet"), "ScaledObject", "worker-cpu"))
    scaled["spec"]["triggers"][0]["metadata"]["listLength"] = 2  # KEDA takes strings only
    with pytest.raises(jsonschema.ValidationError, match="is not of type 'string'"):
        jsonschema.validate(scaled, keda_schema)


def test_the_yaml_is_lint_clean():
    config = YamlLintConfig(file=str(ROOT / "tests" / "deploy" / "yamllint.yaml"))
    files = sorted([*KUBERNETES.rglob("*.yaml"), *(ROOT / "deploy" / "monitoring").rglob("*.yaml")])
    assert len(files) > 15
    problems = [
        f"{path.relative_to(ROOT)}:{problem.line}: {problem.desc}"
        for path in files
        for problem in linter.run(path.read_text(), config, str(path))
    ]
    assert problems == []


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_container_asks_for_cpu_and_memory_and_is_capped_in_memory(overlay):
    for workload in [*of_kind(rendered(overlay), "Deployment"), *of_kind(rendered(overlay), "Job")]:
        for container in all_containers(workload):
            resources = container["resources"]
            assert {"cpu", "memory"} <= set(resources["requests"]), (workload["metadata"]["name"], container["name"])
            assert "memory" in resources["limits"], (workload["metadata"]["name"], container["name"])
            assert container["securityContext"]["allowPrivilegeEscalation"] is False


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_web_is_probed_on_readyz_and_healthz_and_workers_by_their_liveness_check(overlay):
    objects = rendered(overlay)
    web = app_container(named(objects, "Deployment", "web"))
    assert web["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert web["livenessProbe"]["httpGet"]["path"] == "/healthz"
    liveness = ["python", "-m", "shop_video.ops.worker_liveness"]
    for queue, (deployment,) in workers(objects).items():
        container = app_container(deployment)
        assert container["livenessProbe"]["exec"]["command"] == liveness, queue
        assert container["startupProbe"]["exec"]["command"] == liveness, queue


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_workers_have_time_to_finish_a_task_when_stopped(overlay):
    """SIGTERM (a rollout, a drain, KEDA scaling in) lets a worker finish or hand back its task: the grace
    period covers a shot, and a shot longer than its hard time limit is killed anyway."""
    for queue, (deployment,) in workers(rendered(overlay)).items():
        grace = pod_spec(deployment)["terminationGracePeriodSeconds"]
        if queue == queues.LIVE_PUSH:  # a push gives its lease up and ends within seconds; it holds no shot
            assert 30 <= grace <= 300, queue
        else:
            assert 300 <= grace <= settings.SHOT_HARD_TIME_LIMIT, queue
        # The worker's own deadline to finish or hand back ends before the kubelet's SIGKILL.
        env = {item["name"]: item["value"] for item in app_container(deployment)["env"]}
        assert 0 < float(env["WORKER_SHUTDOWN_GRACE_SECONDS"]) <= grace - 15, queue
        if queue in GPU_QUEUES:
            assert grace >= 1200, queue


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_beat_runs_once_and_can_never_run_twice(overlay):
    objects = rendered(overlay)
    beats = [d for d in of_kind(objects, "Deployment") if celery_role(app_container(d)) == ("beat", [])]
    assert [b["metadata"]["name"] for b in beats] == ["beat"]
    for deployment in of_kind(objects, "Deployment"):  # no worker runs an embedded beat (-B) either
        command = app_container(deployment).get("command", [])
        assert "-B" not in command and "--beat" not in command, deployment["metadata"]["name"]
    beat = beats[0]
    assert beat["spec"]["replicas"] == 1 and beat["spec"]["strategy"] == {"type": "Recreate"}
    scaled = {obj["spec"]["scaleTargetRef"]["name"] for obj in of_kind(objects, "ScaledObject")}
    scaled |= {obj["spec"]["scaleTargetRef"]["name"] for obj in of_kind(objects, "HorizontalPodAutoscaler")}
    assert "beat" not in scaled
    assert [v["name"] for v in pod_spec(beat)["volumes"]] == ["schedule"]  # no media: beat only sends tasks
    (volume,) = pod_spec(beat)["volumes"]
    claim = named(objects, "PersistentVolumeClaim", volume["persistentVolumeClaim"]["claimName"])
    # One pod in the cluster at a time; one node has no other node a second beat could start on.
    assert claim["spec"]["accessModes"] == (["ReadWriteOnce"] if overlay == "one-node" else ["ReadWriteOncePod"])
    schedule = [arg for arg in app_container(beat)["command"] if arg.startswith("--schedule=")]
    mounts = {mount["mountPath"] for mount in app_container(beat)["volumeMounts"] if mount["name"] == volume["name"]}
    assert [arg.removeprefix("--schedule=").rsplit("/", 1)[0] for arg in schedule] == list(mounts)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_one_gpu_worker_per_family_on_a_gpu_node_scaled_to_zero_when_idle(overlay):
    objects = rendered(overlay)
    found = workers(objects)
    for family in queues.gpu_families():
        (deployment,) = found[queues.gpu_queue(family)]
        spec, container = pod_spec(deployment), app_container(deployment)
        assert container["resources"]["limits"]["nvidia.com/gpu"] == 1
        assert container["resources"]["requests"]["nvidia.com/gpu"] == 1
        assert spec["nodeSelector"] == {"nvidia.com/gpu.present": "true"}
        assert {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"} in spec["tolerations"]
        command = container["command"]
        assert {"--concurrency=1", "--prefetch-multiplier=1", "--pool=prefork"} <= set(command), family
        env = {item["name"]: item["value"] for item in container.get("env", [])}
        # The shot engine's families load at start; the presenter (ltx2) at its first shot (gpu-workers.sh).
        expected = {} if family == queues.PRESENTER_FAMILY else {"DIT_PRELOAD": family, "DIT_DEFAULT_FAMILY": family}
        assert {k: v for k, v in env.items() if k.startswith("DIT_")} == expected
        (models,) = [m for m in container["volumeMounts"] if m["mountPath"] == "/models"]
        assert models["readOnly"] is True
        scaled = named(objects, "ScaledObject", deployment["metadata"]["name"])
        assert scaled["spec"]["minReplicaCount"] == 0
    assert set(FAMILY_NAMES) < set(queues.gpu_families())


def test_the_overlays_differ_where_they_should():
    one, fleet = rendered("one-node"), rendered("gpu-fleet")
    assert named(one, "Deployment", "web")["spec"]["replicas"] == 1
    assert named(fleet, "Deployment", "web")["spec"]["replicas"] >= 2
    # one node: weights in a host folder, at most one GPU pod per family; the fleet: a shared read-only claim.
    for deployment in [d for q, (d,) in workers(one).items() if q in GPU_QUEUES]:
        (models,) = [v for v in pod_spec(deployment)["volumes"] if v["name"] == "models"]
        assert models == {"name": "models", "hostPath": {"path": "/models", "type": "Directory"}}
        assert named(one, "ScaledObject", deployment["metadata"]["name"])["spec"]["maxReplicaCount"] == 1
    for deployment in [d for q, (d,) in workers(fleet).items() if q in GPU_QUEUES]:
        (models,) = [v for v in pod_spec(deployment)["volumes"] if v["name"] == "models"]
        claim = named(fleet, "PersistentVolumeClaim", models["persistentVolumeClaim"]["claimName"])
        assert claim["spec"]["accessModes"] == ["ReadOnlyMany"]
    assert not [c for c in of_kind(one, "PersistentVolumeClaim") if c["metadata"]["name"] == "shop-video-models"]
    for objects in (one, fleet):
        for deployment in of_kind(objects, "Deployment"):
            for container in all_containers(deployment):
                image = container["image"]
                assert image.startswith(("registry.example.com/", "nginxinc/")) and ":" in image, image
