"""An X-Ray sampling rule: which requests of a service are traced, and how many.

Each second X-Ray traces the first `reservoir_size` matching requests, then `fixed_rate` of
the rest. Rules are evaluated by ascending `priority`; the account's `Default` rule (priority
10000) applies when none matches.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from constructs import Construct

from modules.aws import provider_module

_NAME = re.compile(r"[A-Za-z0-9_-]{1,32}")


@dataclass(frozen=True)
class SamplingRuleProps:
    #: 1-32 letters, digits, '-' and '_'; unique per account and region; not "Default".
    rule_name: str
    #: 1-9999; lower numbers are evaluated first.
    priority: int
    #: Share of requests traced after the reservoir is used up, 0 to 1.
    fixed_rate: float
    #: Requests traced per second before fixed_rate applies.
    reservoir_size: int
    #: Service name as the tracing SDK reports it, e.g. the Lambda function name; "*" for any.
    service_name: str
    url_path: str = "*"
    http_method: str = "*"
    host: str = "*"
    service_type: str = "*"
    resource_arn: str = "*"
    #: Segment annotations a request must carry to match.
    attributes: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        where = f"sampling rule {self.rule_name!r}"
        if not _NAME.fullmatch(self.rule_name) or self.rule_name == "Default":
            raise ValueError(f"{where}: rule_name must be 1-32 letters, digits, '-' or '_' and "
                             "not 'Default' (X-Ray's own rule)")
        if isinstance(self.priority, bool) or not isinstance(self.priority, int) or \
                not 1 <= self.priority <= 9999:
            raise ValueError(f"{where}: priority must be an integer from 1 to 9999")
        if isinstance(self.fixed_rate, bool) or not isinstance(self.fixed_rate, (int, float)) \
                or not 0 <= self.fixed_rate <= 1:
            raise ValueError(f"{where}: fixed_rate must be a number from 0 to 1 "
                             f"(got {self.fixed_rate!r})")
        if isinstance(self.reservoir_size, bool) or not isinstance(self.reservoir_size, int) \
                or self.reservoir_size < 0:
            raise ValueError(f"{where}: reservoir_size must be an integer >= 0")


class SamplingRule(Construct):
    """Exposes `rule_arn` and `rule_name`."""

    def __init__(self, scope: Construct, construct_id: str, props: SamplingRuleProps) -> None:
        super().__init__(scope, construct_id)
        rule = provider_module("xray_sampling_rule").XraySamplingRule(
            self, "rule", rule_name=props.rule_name, priority=props.priority,
            fixed_rate=props.fixed_rate, reservoir_size=props.reservoir_size,
            service_name=props.service_name, service_type=props.service_type,
            url_path=props.url_path, http_method=props.http_method, host=props.host,
            resource_arn=props.resource_arn, version=1,
            attributes=dict(props.attributes) or None)
        self.rule_arn: str = rule.arn
        self.rule_name: str = rule.rule_name
