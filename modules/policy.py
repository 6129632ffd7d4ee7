"""IAM policies as `aws_iam_policy_document` data sources.

checkov runs its full IAM check set only on policy documents (JSON strings get three checks),
so every policy of the project is written through `policy_document`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from constructs import Construct

from modules.aws import provider_module


@dataclass(frozen=True)
class Statement:
    """One policy statement; `conditions` are (test, variable, values) triples."""

    actions: tuple[str, ...]
    resources: tuple[str, ...] = ()
    effect: str = "Allow"
    sid: str | None = None
    principals: tuple[tuple[str, tuple[str, ...]], ...] = ()
    conditions: tuple[tuple[str, str, tuple[str, ...]], ...] = field(default=())
    #: NotAction: every action but these (with `actions=()`), e.g. a region-restricting SCP.
    not_actions: tuple[str, ...] = ()

    def to_struct(self):
        # Struct classes, not dicts: jsii drops multi-word keys of dicts inside lists.
        doc = provider_module("data_aws_iam_policy_document")
        return doc.DataAwsIamPolicyDocumentStatement(
            sid=self.sid,
            effect=self.effect,
            actions=list(self.actions) or None,
            not_actions=list(self.not_actions) or None,
            resources=list(self.resources) or None,
            principals=[doc.DataAwsIamPolicyDocumentStatementPrincipals(type=kind, identifiers=list(ids))
                        for kind, ids in self.principals] or None,
            condition=[doc.DataAwsIamPolicyDocumentStatementCondition(
                test=test, variable=variable, values=list(values))
                for test, variable, values in self.conditions] or None,
        )


def policy_document(scope: Construct, construct_id: str, statements: list[Statement]):
    """Return the data source; use `.json` where a policy string is expected."""
    module = provider_module("data_aws_iam_policy_document")
    return module.DataAwsIamPolicyDocument(
        scope, construct_id, statement=[s.to_struct() for s in statements]
    )


def service_trust(
    service: str, *, account_id: str, source_arn_pattern: str | None = None
) -> Statement:
    """Trust for an AWS service principal with confused-deputy conditions."""
    conditions: list[tuple[str, str, tuple[str, ...]]] = [
        ("StringEquals", "aws:SourceAccount", (account_id,)),
    ]
    if source_arn_pattern:
        conditions.append(("ArnLike", "aws:SourceArn", (source_arn_pattern,)))
    return Statement(
        sid="TrustService",
        actions=("sts:AssumeRole",),
        principals=(("Service", (service,)),),
        conditions=tuple(conditions),
    )


def kms_via_service(sid: str, key_arn: str, service: str, region: str,
                    actions: tuple[str, ...] = ("kms:Decrypt",)) -> Statement:
    """Use of `key_arn` only through `service` in `region` (`kms:ViaService`), e.g. decrypting
    an S3 object or a secret without being able to call KMS directly."""
    return Statement(
        sid=sid, actions=actions, resources=(key_arn,),
        conditions=(("StringEquals", "kms:ViaService", (f"{service}.{region}.amazonaws.com",)),),
    )
