"""One Fargate service: its task definition (the application container and an AWS Distro for
OpenTelemetry collector sidecar, both essential, read-only root file systems, logs to a given
log group), the service in private subnets without public addresses, rolling deployments
with the circuit breaker rolling back a failed one, optional load balancer target group and
Cloud Map registration, and target-tracking autoscaling on CPU and memory.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from cdktf import TerraformResourceLifecycle
from constructs import Construct

from modules.aws import provider_module

OTEL_CONFIG = "--config=/etc/ecs/ecs-default-config.yaml"


@dataclass(frozen=True)
class Scaling:
    min_tasks: int = 1
    max_tasks: int = 2
    cpu_target: float = 70
    memory_target: float = 70
    scale_in_cooldown: int = 300
    scale_out_cooldown: int = 60

    def __post_init__(self) -> None:
        if not 0 <= self.min_tasks <= self.max_tasks:
            raise ValueError("scaling needs 0 <= min_tasks <= max_tasks")


@dataclass(frozen=True)
class Container:
    name: str
    image: str
    port: int
    health_command: str
    #: Environment variable -> secret ARN (injected by ECS at start, never in the definition).
    secrets: tuple[tuple[str, str], ...] = ()
    environment: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class EcsServiceProps:
    name: str
    cluster_arn: str
    cluster_name: str
    container: Container
    cpu: int
    memory: int
    execution_role_arn: str
    task_role_arn: str
    log_group_name: str
    region: str
    subnet_ids: tuple[str, ...]
    security_group_ids: tuple[str, ...]
    otel_image: str
    scaling: Scaling = Scaling()
    capacity_provider: str = "FARGATE_SPOT"
    #: Target group the app container's port registers with; "" for none.
    target_group_arn: str = ""
    #: Cloud Map service the tasks register with; "" for none.
    discovery_arn: str = ""
    health_check_grace_seconds: int = 60


class EcsService(Construct):
    """Exposes `service` and `task_definition` (L1), `service_name`."""

    def __init__(self, scope: Construct, construct_id: str, props: EcsServiceProps) -> None:
        super().__init__(scope, construct_id)
        self.task_definition = provider_module("ecs_task_definition").EcsTaskDefinition(
            self, "task", family=props.name, cpu=str(props.cpu), memory=str(props.memory),
            network_mode="awsvpc", requires_compatibilities=["FARGATE"],
            execution_role_arn=props.execution_role_arn, task_role_arn=props.task_role_arn,
            runtime_platform={"operating_system_family": "LINUX", "cpu_architecture": "X86_64"},
            volume=[{"name": "tmp"}],
            container_definitions=json.dumps(_containers(props)))
        module = provider_module("ecs_service")
        self.service = module.EcsService(
            self, "service", name=props.name, cluster=props.cluster_arn,
            task_definition=self.task_definition.arn, desired_count=props.scaling.min_tasks,
            capacity_provider_strategy=[module.EcsServiceCapacityProviderStrategy(
                capacity_provider=props.capacity_provider, weight=1)],
            network_configuration=module.EcsServiceNetworkConfiguration(
                subnets=list(props.subnet_ids), security_groups=list(props.security_group_ids),
                assign_public_ip=False),
            deployment_maximum_percent=200, deployment_minimum_healthy_percent=100,
            deployment_controller=module.EcsServiceDeploymentController(type="ECS"),
            deployment_circuit_breaker=module.EcsServiceDeploymentCircuitBreaker(
                enable=True, rollback=True),
            load_balancer=[module.EcsServiceLoadBalancer(
                target_group_arn=props.target_group_arn, container_name=props.container.name,
                container_port=props.container.port)] if props.target_group_arn else None,
            health_check_grace_period_seconds=props.health_check_grace_seconds
            if props.target_group_arn else None,
            service_registries=module.EcsServiceServiceRegistries(
                registry_arn=props.discovery_arn) if props.discovery_arn else None,
            propagate_tags="SERVICE", enable_ecs_managed_tags=True,
            # Autoscaling owns the task count after the first deployment.
            lifecycle=TerraformResourceLifecycle(ignore_changes=["desired_count"]))
        self._autoscaling(props)
        self.service_name: str = self.service.name

    def _autoscaling(self, props: EcsServiceProps) -> None:
        scaling = props.scaling
        target = provider_module("appautoscaling_target").AppautoscalingTarget(
            self, "scaling_target", service_namespace="ecs",
            resource_id=f"service/{props.cluster_name}/{self.service.name}",
            scalable_dimension="ecs:service:DesiredCount",
            min_capacity=scaling.min_tasks, max_capacity=scaling.max_tasks)
        policy = provider_module("appautoscaling_policy")
        for metric, value in (("ECSServiceAverageCPUUtilization", scaling.cpu_target),
                              ("ECSServiceAverageMemoryUtilization", scaling.memory_target)):
            policy.AppautoscalingPolicy(
                self, f"scale_{metric[17:20].lower()}", name=f"{props.name}-{metric[17:20].lower()}",
                policy_type="TargetTrackingScaling", service_namespace="ecs",
                resource_id=target.resource_id, scalable_dimension=target.scalable_dimension,
                target_tracking_scaling_policy_configuration=policy.
                AppautoscalingPolicyTargetTrackingScalingPolicyConfiguration(
                    target_value=value, scale_in_cooldown=scaling.scale_in_cooldown,
                    scale_out_cooldown=scaling.scale_out_cooldown,
                    predefined_metric_specification=policy.
                    AppautoscalingPolicyTargetTrackingScalingPolicyConfigurationPredefinedMetricSpecification(
                        predefined_metric_type=metric)))


def _containers(props: EcsServiceProps) -> list[dict]:
    c = props.container

    def logs(prefix: str) -> dict:
        return {"logDriver": "awslogs", "options": {
            "awslogs-group": props.log_group_name, "awslogs-region": props.region,
            "awslogs-stream-prefix": prefix}}

    app = {
        "name": c.name, "image": c.image, "essential": True,
        "portMappings": [{"containerPort": c.port, "protocol": "tcp"}],
        "environment": [{"name": k, "value": v} for k, v in c.environment],
        "secrets": [{"name": k, "valueFrom": arn} for k, arn in c.secrets],
        "healthCheck": {"command": ["CMD-SHELL", c.health_command], "interval": 30,
                        "timeout": 5, "retries": 3, "startPeriod": 60},
        "readonlyRootFilesystem": True, "privileged": False,
        # Frameworks write temporary files; /tmp is the task's ephemeral volume.
        "mountPoints": [{"sourceVolume": "tmp", "containerPath": "/tmp"}],
        "logConfiguration": logs("ecs"),
    }
    collector = {
        "name": "aws-otel-collector", "image": props.otel_image, "essential": True,
        "command": [OTEL_CONFIG], "readonlyRootFilesystem": True, "privileged": False,
        "logConfiguration": logs("otel"),
    }
    return [app, collector]
