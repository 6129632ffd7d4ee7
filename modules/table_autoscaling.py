"""Application Auto Scaling of a provisioned DynamoDB table: one scalable target and one
target-tracking policy per (table or index, read or write)."""

from __future__ import annotations

from dataclasses import dataclass

from constructs import Construct

from modules.aws import provider_module


@dataclass(frozen=True)
class TableAutoscaling:
    """Target tracking of consumed against provisioned capacity, for reads and writes alike."""

    min_capacity: int = 1
    max_capacity: int = 10
    #: Utilization (20-90 %) the scaling keeps consumed capacity at.
    target_utilization_percent: float = 70.0

    def __post_init__(self) -> None:
        if not 1 <= self.min_capacity <= self.max_capacity:
            raise ValueError(f"autoscaling needs 1 <= min_capacity ({self.min_capacity}) <= "
                             f"max_capacity ({self.max_capacity})")
        if not 20 <= self.target_utilization_percent <= 90:
            raise ValueError(f"autoscaling target_utilization_percent is "
                             f"{self.target_utilization_percent}; DynamoDB accepts 20-90")


@dataclass(frozen=True)
class TableAutoscalingProps:
    #: The table's `name` attribute (a reference, so the targets wait for the table).
    table_name: str
    #: Names of the table's global secondary indexes; each scales on its own.
    index_names: tuple[str, ...]
    scaling: TableAutoscaling
    #: Policy names: `<policy_prefix>-<read|write>` for the table,
    #: `<policy_prefix>-index-<index name>-<read|write>` for an index.
    policy_prefix: str


class TableAutoscalingPolicies(Construct):
    """Exposes `targets` and `policies` (the L1 resources), in table, then index order,
    read before write."""

    def __init__(self, scope: Construct, construct_id: str, props: TableAutoscalingProps) -> None:
        super().__init__(scope, construct_id)
        target_module = provider_module("appautoscaling_target")
        policy_module = provider_module("appautoscaling_policy")
        tracking = policy_module.AppautoscalingPolicyTargetTrackingScalingPolicyConfiguration
        metric = (policy_module
                  .AppautoscalingPolicyTargetTrackingScalingPolicyConfigurationPredefinedMetricSpecification)
        # Logical ids and policy names come from index names, so reordering indexes moves nothing.
        scaled = [("table", f"table/{props.table_name}", "table", props.policy_prefix)]
        scaled += [(f"index_{name}", f"table/{props.table_name}/index/{name}", "index",
                    f"{props.policy_prefix}-index-{name}") for name in props.index_names]
        self.targets: list = []
        self.policies: list = []
        for logical, resource_id, level, label in scaled:
            for mode in ("Read", "Write"):
                target = target_module.AppautoscalingTarget(
                    self, f"{logical}_{mode.lower()}_target",
                    service_namespace="dynamodb",
                    resource_id=resource_id,
                    scalable_dimension=f"dynamodb:{level}:{mode}CapacityUnits",
                    min_capacity=props.scaling.min_capacity,
                    max_capacity=props.scaling.max_capacity,
                )
                policy = policy_module.AppautoscalingPolicy(
                    self, f"{logical}_{mode.lower()}_policy",
                    name=f"{label}-{mode.lower()}",
                    policy_type="TargetTrackingScaling",
                    service_namespace=target.service_namespace,
                    resource_id=target.resource_id,
                    scalable_dimension=target.scalable_dimension,
                    target_tracking_scaling_policy_configuration=tracking(
                        target_value=props.scaling.target_utilization_percent,
                        predefined_metric_specification=metric(
                            predefined_metric_type=f"DynamoDB{mode}CapacityUtilization"),
                    ),
                )
                self.targets.append(target)
                self.policies.append(policy)
