"""An SNS topic for notifications: TLS only, published to by named roles and (optionally) by
CloudWatch alarms of this account, with email and https subscriptions.

An https endpoint URL often carries a token, so it is never a prop: the construct takes the
name of an SSM parameter (a SecureString the operator puts once) and reads it with a
`data "aws_ssm_parameter"` source. The URL is then in no synthesized JSON and no repository
file; Terraform keeps it, marked sensitive, in the plan and the state only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from constructs import Construct

from modules.aws import provider_module
from modules.policy import Statement, kms_via_service, policy_document

PROTOCOLS = ("email", "https")
# The actions of SNS's default topic policy: the TLS-only deny covers them all.
TOPIC_ACTIONS = ("SNS:Publish", "SNS:Subscribe", "SNS:GetTopicAttributes",
                 "SNS:SetTopicAttributes", "SNS:AddPermission", "SNS:RemovePermission",
                 "SNS:DeleteTopic", "SNS:ListSubscriptionsByTopic")
CLOUDWATCH = "cloudwatch.amazonaws.com"


@dataclass(frozen=True)
class Subscription:
    """`Subscription("email", endpoint="ops@example.com")` or
    `Subscription("https", endpoint_parameter="/pf/dev/alerts/webhook-url")`."""

    protocol: str
    #: The email address (email only).
    endpoint: str = ""
    #: Name of the SSM parameter holding the https URL (https only).
    endpoint_parameter: str = ""

    def __post_init__(self) -> None:
        if self.protocol == "email":
            if "@" not in self.endpoint or self.endpoint_parameter:
                raise ValueError(f"email subscription needs an address as endpoint and no "
                                 f"endpoint_parameter (got {self.endpoint!r})")
        elif self.protocol == "https":
            if self.endpoint or not self.endpoint_parameter:
                raise ValueError("https subscription takes endpoint_parameter (the name of an SSM "
                                 "parameter holding the URL), never the URL itself as endpoint")
        else:
            raise ValueError(f"subscription protocol {self.protocol!r} is not one of "
                             f"{', '.join(PROTOCOLS)}")

    @property
    def construct_id(self) -> str:
        return re.sub(r"[^A-Za-z0-9]", "_", f"{self.protocol}_{self.endpoint or self.endpoint_parameter}")


@dataclass(frozen=True)
class TopicProps:
    name: str
    #: Customer key for the topic; None leaves it unencrypted (an AWS-managed key would lock
    #: CloudWatch out, its policy cannot be changed).
    kms_key_arn: str | None
    account_id: str
    region: str
    #: Roles of this account allowed to publish; every other role is denied, whatever its own
    #: policy says. Give each also `publish_statements()`.
    publisher_role_arns: tuple[str, ...] = ()
    #: CloudWatch alarms of this account and region may publish.
    allow_cloudwatch_alarms: bool = True
    subscriptions: tuple[Subscription, ...] = ()
    display_name: str = ""
    #: Statement ids of `publish_statements()`: `Publish<grant_id>`, `EncryptPublish<grant_id>`.
    grant_id: str = "Topic"
    #: AWS services of this account that may publish, each limited to sources matching an ARN
    #: pattern, e.g. ("events.amazonaws.com", "arn:aws:events:us-east-1:123456789012:rule/x-*").
    #: A customer key must also let the service use it (its key policy).
    publisher_services: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        if not (self.publisher_role_arns or self.allow_cloudwatch_alarms or self.publisher_services):
            raise ValueError(f"topic {self.name} has no publisher: give publisher_role_arns, "
                             f"publisher_services or allow_cloudwatch_alarms")


class Topic(Construct):
    """Exposes `topic` (the L1 resource), `topic_arn`, `subscriptions` (L1 resources, in
    props order), `publish_statements()` and the static `key_policy_statements(...)`."""

    def __init__(self, scope: Construct, construct_id: str, props: TopicProps) -> None:
        super().__init__(scope, construct_id)
        self._props = props
        self.topic = provider_module("sns_topic").SnsTopic(
            self, "topic", name=props.name, display_name=props.display_name or None,
            kms_master_key_id=props.kms_key_arn,
        )
        self.topic_arn: str = self.topic.arn
        provider_module("sns_topic_policy").SnsTopicPolicy(
            self, "policy", arn=self.topic.arn,
            policy=policy_document(self, "policy_document", self._policy()).json,
        )
        subscription = provider_module("sns_topic_subscription").SnsTopicSubscription
        parameter = provider_module("data_aws_ssm_parameter").DataAwsSsmParameter
        self.subscriptions = []
        for sub in props.subscriptions:
            endpoint = sub.endpoint
            if sub.protocol == "https":
                # While the topic has changes pending (its creation included, so in every offline
                # plan) Terraform reads the parameter at apply time instead of during the plan.
                # The parameter must exist before the apply that creates the subscription.
                endpoint = parameter(self, f"{sub.construct_id}_url", name=sub.endpoint_parameter,
                                     with_decryption=True, depends_on=[self.topic]).value
            self.subscriptions.append(subscription(
                self, sub.construct_id, topic_arn=self.topic.arn, protocol=sub.protocol,
                endpoint=endpoint))

    def _policy(self) -> list[Statement]:
        props, arn = self._props, self.topic.arn
        statements = [Statement(
            sid="DenyInsecureTransport", effect="Deny", actions=TOPIC_ACTIONS, resources=(arn,),
            principals=(("*", ("*",)),), conditions=(("Bool", "aws:SecureTransport", ("false",)),),
        )]
        others: list[tuple[str, str, tuple[str, ...]]] = []
        if props.publisher_role_arns:
            statements.append(Statement(
                sid="AllowPublishFromRoles", actions=("SNS:Publish",), resources=(arn,),
                principals=(("AWS", props.publisher_role_arns),),
                conditions=(("StringEquals", "aws:PrincipalAccount", (props.account_id,)),),
            ))
            others.append(("StringNotEqualsIfExists", "aws:PrincipalArn", props.publisher_role_arns))
        if props.allow_cloudwatch_alarms:
            statements.append(Statement(
                sid="AllowPublishFromOwnAlarms", actions=("SNS:Publish",), resources=(arn,),
                principals=(("Service", (CLOUDWATCH,)),),
                conditions=_own_alarms(props.account_id, props.region),
            ))
            others.append(("StringNotEqualsIfExists", "aws:PrincipalServiceName", (CLOUDWATCH,)))
        for index, (service, source_arn) in enumerate(props.publisher_services):
            statements.append(Statement(
                sid=f"AllowPublishFromService{index}", actions=("SNS:Publish",), resources=(arn,),
                principals=(("Service", (service,)),),
                conditions=(("StringEquals", "aws:SourceAccount", (props.account_id,)),
                            ("ArnLike", "aws:SourceArn", (source_arn,)))))
        services = tuple(service for service, _ in props.publisher_services)
        if services:
            if props.allow_cloudwatch_alarms:  # one condition key per statement: merge the lists
                others.pop()
                services = (CLOUDWATCH, *services)
            others.append(("StringNotEqualsIfExists", "aws:PrincipalServiceName", services))
        # An identity policy alone must not be enough: whoever is not listed above is denied.
        statements.append(Statement(
            sid="DenyPublishFromOthers", effect="Deny", actions=("SNS:Publish",), resources=(arn,),
            principals=(("*", ("*",)),), conditions=tuple(others),
        ))
        return statements

    def publish_statements(self) -> tuple[Statement, ...]:
        """Publish to this topic, and use its key through SNS only. The role must also be one of
        `publisher_role_arns`."""
        grant, key = self._props.grant_id, self._props.kms_key_arn
        statements = [Statement(sid=f"Publish{grant}", actions=("sns:Publish",),
                                resources=(self.topic_arn,))]
        if key:
            statements.append(kms_via_service(f"EncryptPublish{grant}", key, "sns", self._props.region,
                                              actions=("kms:GenerateDataKey*", "kms:Decrypt")))
        return tuple(statements)

    @staticmethod
    def key_policy_statements(account_id: str, region: str) -> tuple[Statement, ...]:
        """For `EncryptionKeyProps.extra_statements` of the key of a topic CloudWatch alarms
        publish to: CloudWatch calls KMS itself, and account-root delegation does not cover a
        service principal. Limited to alarms of this account and region."""
        return (Statement(
            sid="CloudWatchAlarmsEncryptForTopics", actions=("kms:Decrypt", "kms:GenerateDataKey*"),
            resources=("*",), principals=(("Service", (CLOUDWATCH,)),),
            conditions=_own_alarms(account_id, region),
        ),)


def _own_alarms(account_id: str, region: str) -> tuple[tuple[str, str, tuple[str, ...]], ...]:
    return (("StringEquals", "aws:SourceAccount", (account_id,)),
            ("ArnLike", "aws:SourceArn", (f"arn:aws:cloudwatch:{region}:{account_id}:alarm:*",)))
