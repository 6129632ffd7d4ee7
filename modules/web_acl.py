"""An AWS WAF web ACL: a per-IP rate limit, a country allow-list and AWS managed rule groups,
logged to a KMS-encrypted CloudWatch log group with chosen headers redacted.

Rules are evaluated in order: rate limit, countries, then each managed group. Scope "REGIONAL"
protects API Gateway stages (and ALBs) in the provider's region; "CLOUDFRONT" web ACLs exist
only in us-east-1, so pass a us-east-1 `provider` for them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from constructs import Construct

from modules.aws import provider_module
from modules.aws_rules import LOG_RETENTION_DAYS

#: AWS managed rule groups (vendor AWS) and what each covers.
MANAGED_GROUPS = {
    # Cross-site scripting in body, query, cookies and URI; size limits; local/remote file
    # inclusion; SSRF against instance metadata.
    "AWSManagedRulesCommonRuleSet": "core rule set (OWASP top 10 incl. XSS)",
    # Log4j / Log4Shell (CVE-2021-44228), Java deserialization, known exploit paths.
    "AWSManagedRulesKnownBadInputsRuleSet": "known bad inputs (incl. Log4j)",
    # SQL injection in body, query, cookies and URI (the core rule set has no SQLi rules).
    "AWSManagedRulesSQLiRuleSet": "SQL injection",
    # VPNs, Tor exits and proxies (which would slip past a country rule) and hosting providers.
    "AWSManagedRulesAnonymousIpList": "anonymous IPs",
}
#: Groups a web ACL may name in `managed_groups` beyond the default ones.
OPTIONAL_GROUPS = {
    # Addresses Amazon threat intelligence saw in bot traffic, reconnaissance and DDoS.
    "AWSManagedRulesAmazonIpReputationList": "IP reputation",
}
#: Rules of managed groups that only count: Route 53 health checkers and CloudFront reach the
#: API from AWS's own (hosting provider) addresses.
COUNTED_RULES = (("AWSManagedRulesAnonymousIpList", "HostingProviderIPList"),)
RATE_WINDOWS = (60, 120, 300, 600)


@dataclass(frozen=True)
class WebAclProps:
    name: str
    #: "REGIONAL" (API Gateway, ALB) or "CLOUDFRONT" (us-east-1 only).
    scope: str
    #: Requests one IP may send in `rate_window_seconds` before it is blocked (>= 10).
    rate_limit: int
    rate_window_seconds: int = 300
    #: ISO 3166 alpha-2 codes allowed; requests from elsewhere are blocked. () allows all.
    allowed_countries: tuple[str, ...] = ("US",)
    managed_groups: tuple[str, ...] = tuple(MANAGED_GROUPS)
    #: (group, rule) pairs whose matches are counted, not blocked.
    counted_rules: tuple[tuple[str, str], ...] = COUNTED_RULES
    #: Must start with "aws-waf-logs-" (WAF's rule for log destinations).
    log_group_name: str = ""
    log_retention_days: int = 365
    kms_key_arn: str | None = None
    #: Header names replaced by "REDACTED" in the logs (credentials, tokens).
    redacted_headers: tuple[str, ...] = ("authorization",)
    description: str = ""
    #: Provider of another region (a us-east-1 alias for CLOUDFRONT); None: the stack's default.
    provider: Any = None

    def __post_init__(self) -> None:
        if self.scope not in ("REGIONAL", "CLOUDFRONT"):
            raise ValueError("web ACL scope must be REGIONAL or CLOUDFRONT")
        if self.rate_limit < 10 or self.rate_window_seconds not in RATE_WINDOWS:
            raise ValueError(f"rate limit must be >= 10 per window of {RATE_WINDOWS} seconds")
        if not self.log_group_name.startswith("aws-waf-logs-"):
            raise ValueError("WAF logs go to a log group whose name starts with 'aws-waf-logs-'")
        unknown = sorted(set(self.managed_groups) - set(MANAGED_GROUPS) - set(OPTIONAL_GROUPS))
        if unknown:
            raise ValueError(f"unknown managed rule group(s) {', '.join(unknown)}; known: "
                             + ", ".join(MANAGED_GROUPS))
        if not all(re.fullmatch(r"[A-Z]{2}", c) for c in self.allowed_countries):
            raise ValueError("allowed_countries are ISO 3166 alpha-2 codes such as 'US'")
        if self.log_retention_days not in LOG_RETENTION_DAYS:
            raise ValueError("log_retention_days must be a CloudWatch Logs retention value")


def _metric(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]", "-", name)[:128]


class WebAcl(Construct):
    """Exposes `web_acl` (L1), `arn`, `log_group` (L1) and `associate(id, resource_arn)`."""

    def __init__(self, scope: Construct, construct_id: str, props: WebAclProps) -> None:
        super().__init__(scope, construct_id)
        self._props = props
        acl = provider_module("wafv2_web_acl")

        def visibility(metric: str):
            return acl.Wafv2WebAclRuleVisibilityConfig(
                cloudwatch_metrics_enabled=True, metric_name=_metric(f"{props.name}-{metric}"),
                sampled_requests_enabled=True)

        block = acl.Wafv2WebAclRuleAction(block=acl.Wafv2WebAclRuleActionBlock())
        rules = [acl.Wafv2WebAclRule(
            name="rate-limit-per-ip", priority=0, action=block,
            visibility_config=visibility("rate"),
            statement={"rate_based_statement": {
                "limit": props.rate_limit, "evaluation_window_sec": props.rate_window_seconds,
                "aggregate_key_type": "IP"}})]
        if props.allowed_countries:
            rules.append(acl.Wafv2WebAclRule(
                name="allow-listed-countries-only", priority=1, action=block,
                visibility_config=visibility("geo"),
                statement={"not_statement": {"statement": {"geo_match_statement": {
                    "country_codes": list(props.allowed_countries)}}}}))
        for priority, group in enumerate(props.managed_groups, start=10):
            statement: dict = {"name": group, "vendor_name": "AWS"}
            counted = [rule for owner, rule in props.counted_rules if owner == group]
            if counted:
                statement["rule_action_override"] = [
                    {"name": rule, "action_to_use": {"count": {}}} for rule in counted]
            rules.append(acl.Wafv2WebAclRule(
                name=group, priority=priority, visibility_config=visibility(group),
                # The group's own actions (block) apply; "none" means do not override them.
                override_action=acl.Wafv2WebAclRuleOverrideAction(
                    none=acl.Wafv2WebAclRuleOverrideActionNone()),
                statement={"managed_rule_group_statement": statement}))
        self.web_acl = acl.Wafv2WebAcl(
            self, "web_acl", name=props.name, scope=props.scope, description=props.description,
            default_action=acl.Wafv2WebAclDefaultAction(allow=acl.Wafv2WebAclDefaultActionAllow()),
            visibility_config=acl.Wafv2WebAclVisibilityConfig(
                cloudwatch_metrics_enabled=True, metric_name=_metric(props.name),
                sampled_requests_enabled=True),
            rule=rules, provider=props.provider)
        self.log_group = provider_module("cloudwatch_log_group").CloudwatchLogGroup(
            self, "log_group", name=props.log_group_name,
            retention_in_days=props.log_retention_days,
            kms_key_id=props.kms_key_arn, provider=props.provider)
        logging = provider_module("wafv2_web_acl_logging_configuration")
        logging.Wafv2WebAclLoggingConfiguration(
            self, "logging", resource_arn=self.web_acl.arn,
            log_destination_configs=[self.log_group.arn],
            redacted_fields=[logging.Wafv2WebAclLoggingConfigurationRedactedFields(
                single_header=logging.Wafv2WebAclLoggingConfigurationRedactedFieldsSingleHeader(
                    name=header)) for header in props.redacted_headers] or None,
            provider=props.provider)
        self.arn: str = self.web_acl.arn

    def associate(self, construct_id: str, resource_arn: str):
        """Protect a regional resource (an API Gateway stage ARN); CloudFront distributions
        name the web ACL in their own `web_acl_id` instead."""
        if self._props.scope != "REGIONAL":
            raise ValueError("a CLOUDFRONT web ACL is set on the distribution (web_acl_id)")
        return provider_module("wafv2_web_acl_association").Wafv2WebAclAssociation(
            self, construct_id, resource_arn=resource_arn, web_acl_arn=self.web_acl.arn,
            provider=self._props.provider)
