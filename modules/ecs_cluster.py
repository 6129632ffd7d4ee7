"""An ECS cluster for Fargate tasks: Container Insights on, both Fargate capacity providers
attached, and a default strategy (FARGATE_SPOT by default, the cheaper interruptible
capacity) for services that name none."""

from __future__ import annotations

from dataclasses import dataclass

from constructs import Construct

from modules.aws import provider_module

PROVIDERS = ("FARGATE", "FARGATE_SPOT")


@dataclass(frozen=True)
class EcsClusterProps:
    name: str
    default_capacity_provider: str = "FARGATE_SPOT"

    def __post_init__(self) -> None:
        if self.default_capacity_provider not in PROVIDERS:
            raise ValueError(f"cluster {self.name}: default_capacity_provider must be one of "
                             f"{', '.join(PROVIDERS)}")


class EcsCluster(Construct):
    """Exposes `cluster` (L1), `cluster_arn` and `cluster_name`."""

    def __init__(self, scope: Construct, construct_id: str, props: EcsClusterProps) -> None:
        super().__init__(scope, construct_id)
        module = provider_module("ecs_cluster")
        self.cluster = module.EcsCluster(
            self, "cluster", name=props.name,
            setting=[module.EcsClusterSetting(name="containerInsights", value="enabled")])
        providers = provider_module("ecs_cluster_capacity_providers")
        providers.EcsClusterCapacityProviders(
            self, "capacity_providers", cluster_name=self.cluster.name,
            capacity_providers=list(PROVIDERS),
            default_capacity_provider_strategy=[
                providers.EcsClusterCapacityProvidersDefaultCapacityProviderStrategy(
                    capacity_provider=props.default_capacity_provider, weight=1, base=0)])
        self.cluster_arn: str = self.cluster.arn
        self.cluster_name: str = self.cluster.name
