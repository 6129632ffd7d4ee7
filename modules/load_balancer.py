"""An application load balancer: HTTPS only (HTTP:80 answers with a permanent redirect to
443), TLS 1.2+ policy, invalid headers dropped, access logs to S3, deletion protection; IP
target groups with their health checks, and host/path rules on the HTTPS listener. Requests
that match no rule get a plain 404.
"""

from __future__ import annotations

from dataclasses import dataclass

from constructs import Construct

from modules.aws import provider_module

TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06"


@dataclass(frozen=True)
class TargetGroup:
    """An IP target group (Fargate tasks) on `port` with an HTTP health check."""

    key: str
    name: str
    port: int
    health_path: str
    interval_seconds: int = 30
    timeout_seconds: int = 5
    healthy_threshold: int = 2
    unhealthy_threshold: int = 3
    matcher: str = "200"
    deregistration_delay_seconds: int = 30

    def __post_init__(self) -> None:
        if len(self.name) > 32:
            raise ValueError(f"target group name {self.name!r} is over 32 characters")
        if self.timeout_seconds >= self.interval_seconds:
            raise ValueError(f"target group {self.name}: timeout must be below the interval")


@dataclass(frozen=True)
class Rule:
    """Forward requests for `host` (and `path`, "/*" for all) to target group `target`."""

    priority: int
    host: str
    path: str
    target: str


@dataclass(frozen=True)
class LoadBalancerProps:
    name: str
    subnet_ids: tuple[str, ...]
    security_group_ids: tuple[str, ...]
    vpc_id: str
    certificate_arn: str
    access_log_bucket: str
    access_log_prefix: str
    targets: tuple[TargetGroup, ...]
    rules: tuple[Rule, ...]
    internal: bool = False
    deletion_protection: bool = True

    def __post_init__(self) -> None:
        keys = {t.key for t in self.targets}
        if len(keys) != len(self.targets):
            raise ValueError(f"load balancer {self.name}: target group keys must be unique")
        unknown = sorted({r.target for r in self.rules} - keys)
        if unknown:
            raise ValueError(f"load balancer {self.name}: rules forward to unknown target "
                             f"groups {', '.join(unknown)}")
        priorities = [r.priority for r in self.rules]
        if len(set(priorities)) != len(priorities):
            raise ValueError(f"load balancer {self.name}: rule priorities must be unique")


class LoadBalancer(Construct):
    """Exposes `load_balancer` and `https` (L1), `arn`, `arn_suffix`, `dns_name`, `zone_id`,
    `target_groups` (L1), `target_group_arns` and `target_group_suffixes` (key -> value)."""

    def __init__(self, scope: Construct, construct_id: str, props: LoadBalancerProps) -> None:
        super().__init__(scope, construct_id)
        lb = provider_module("lb")
        self.load_balancer = lb.Lb(
            self, "alb", name=props.name, load_balancer_type="application",
            internal=props.internal, subnets=list(props.subnet_ids),
            security_groups=list(props.security_group_ids),
            drop_invalid_header_fields=True, enable_deletion_protection=props.deletion_protection,
            access_logs=lb.LbAccessLogs(bucket=props.access_log_bucket,
                                        prefix=props.access_log_prefix.rstrip("/"),
                                        enabled=True))
        groups = provider_module("lb_target_group")
        self.target_groups: dict[str, object] = {}
        self.target_group_arns: dict[str, str] = {}
        self.target_group_suffixes: dict[str, str] = {}
        for target in props.targets:
            group = groups.LbTargetGroup(
                self, f"tg_{target.key.replace('-', '_')}", name=target.name, port=target.port,
                protocol="HTTP", target_type="ip", vpc_id=props.vpc_id,
                deregistration_delay=str(target.deregistration_delay_seconds),
                health_check=groups.LbTargetGroupHealthCheck(
                    enabled=True, path=target.health_path, protocol="HTTP",
                    port="traffic-port", interval=target.interval_seconds,
                    timeout=target.timeout_seconds, healthy_threshold=target.healthy_threshold,
                    unhealthy_threshold=target.unhealthy_threshold, matcher=target.matcher))
            self.target_groups[target.key] = group
            self.target_group_arns[target.key] = group.arn
            self.target_group_suffixes[target.key] = group.arn_suffix
        listener = provider_module("lb_listener")
        listener.LbListener(
            self, "http", load_balancer_arn=self.load_balancer.arn, port=80, protocol="HTTP",
            default_action=[listener.LbListenerDefaultAction(
                type="redirect", redirect=listener.LbListenerDefaultActionRedirect(
                    port="443", protocol="HTTPS", status_code="HTTP_301"))])
        self.https = listener.LbListener(
            self, "https", load_balancer_arn=self.load_balancer.arn, port=443,
            protocol="HTTPS", ssl_policy=TLS_POLICY, certificate_arn=props.certificate_arn,
            default_action=[listener.LbListenerDefaultAction(
                type="fixed-response", fixed_response=listener.LbListenerDefaultActionFixedResponse(
                    content_type="text/plain", message_body="Not found", status_code="404"))])
        rules = provider_module("lb_listener_rule")
        for rule in props.rules:
            conditions = [rules.LbListenerRuleCondition(
                host_header=rules.LbListenerRuleConditionHostHeader(values=[rule.host]))]
            if rule.path != "/*":
                conditions.append(rules.LbListenerRuleCondition(
                    path_pattern=rules.LbListenerRuleConditionPathPattern(values=[rule.path])))
            rules.LbListenerRule(
                self, f"rule_{rule.priority}", listener_arn=self.https.arn,
                priority=rule.priority, condition=conditions,
                action=[rules.LbListenerRuleAction(
                    type="forward", target_group_arn=self.target_group_arns[rule.target])])
        self.arn: str = self.load_balancer.arn
        self.arn_suffix: str = self.load_balancer.arn_suffix
        self.dns_name: str = self.load_balancer.dns_name
        self.zone_id: str = self.load_balancer.zone_id
