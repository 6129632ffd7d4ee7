"""modules/ecs_cluster.py and modules/ecs_service.py: a Fargate cluster with both capacity
providers; a service with the app and ADOT sidecar, secrets by ARN, rolling deployment with
rollback, private networking and target tracking on CPU and memory."""

from __future__ import annotations

import json

import pytest

from modules.ecs_cluster import EcsCluster, EcsClusterProps
from modules.ecs_service import Container, EcsService, EcsServiceProps, Scaling
from tests.conftest import one, resources, synth_construct


def build(stack, target_group: str = "arn:tg", discovery: str = ""):
    cluster = EcsCluster(stack, "cluster", EcsClusterProps(name="t-cluster"))
    EcsService(stack, "svc", EcsServiceProps(
        name="t-api", cluster_arn=cluster.cluster_arn, cluster_name=cluster.cluster_name,
        container=Container(name="app", image="repo:1", port=8000,
                            health_command="curl -f http://localhost:8000/health || exit 1",
                            secrets=(("DATABASE_URL", "arn:secret"),),
                            environment=(("AWS_DEFAULT_REGION", "us-east-1"),)),
        cpu=1024, memory=2048, execution_role_arn="arn:exec", task_role_arn="arn:task",
        log_group_name="/aws/ecs/t", region="us-east-1", subnet_ids=("s1",),
        security_group_ids=("sg",), otel_image="otel:1", scaling=Scaling(1, 3),
        target_group_arn=target_group, discovery_arn=discovery))


@pytest.fixture(scope="module")
def stack():
    return synth_construct(build)


def test_cluster(stack):
    cluster = one(stack, "aws_ecs_cluster")
    assert cluster["setting"] == [{"name": "containerInsights", "value": "enabled"}]
    providers = one(stack, "aws_ecs_cluster_capacity_providers")
    assert providers["capacity_providers"] == ["FARGATE", "FARGATE_SPOT"]
    assert providers["default_capacity_provider_strategy"][0]["capacity_provider"] == \
        "FARGATE_SPOT"


def test_task_definition(stack):
    task = one(stack, "aws_ecs_task_definition")
    assert (task["cpu"], task["memory"], task["network_mode"]) == ("1024", "2048", "awsvpc")
    app, collector = json.loads(task["container_definitions"])
    assert app["secrets"] == [{"name": "DATABASE_URL", "valueFrom": "arn:secret"}]
    assert app["readonlyRootFilesystem"] is True and collector["readonlyRootFilesystem"] is True
    assert app["logConfiguration"]["options"] == {
        "awslogs-group": "/aws/ecs/t", "awslogs-region": "us-east-1",
        "awslogs-stream-prefix": "ecs"}
    assert collector["name"] == "aws-otel-collector" and collector["essential"] is True


def test_service_and_scaling(stack):
    service = one(stack, "aws_ecs_service")
    assert service["deployment_circuit_breaker"] == {"enable": True, "rollback": True}
    assert service["load_balancer"][0]["container_port"] == 8000
    assert service["health_check_grace_period_seconds"] == 60
    assert service["lifecycle"]["ignore_changes"] == ["desired_count"]
    target = one(stack, "aws_appautoscaling_target")
    assert (target["min_capacity"], target["max_capacity"]) == (1, 3)
    policies = list(resources(stack, "aws_appautoscaling_policy").values())
    assert sorted(p["name"] for p in policies) == ["t-api-cpu", "t-api-mem"]


def test_without_load_balancer_but_with_discovery():
    stack = synth_construct(lambda s: build(s, target_group="", discovery="arn:sd"))
    service = one(stack, "aws_ecs_service")
    assert "load_balancer" not in service and "health_check_grace_period_seconds" not in service
    assert service["service_registries"] == {"registry_arn": "arn:sd"}


def test_bounds():
    with pytest.raises(ValueError, match="min_tasks"):
        Scaling(3, 1)
    with pytest.raises(ValueError, match="default_capacity_provider"):
        EcsClusterProps(name="c", default_capacity_provider="EC2")
