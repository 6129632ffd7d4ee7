"""A private ECR repository for container images run by Lambda (or SageMaker): immutable tags,
scan on push, a customer key, a lifecycle policy keeping the newest images, and a repository
policy letting only the named services of this account pull."""

from __future__ import annotations

import json
from dataclasses import dataclass

from constructs import Construct

from modules.aws import provider_module
from modules.policy import Statement, policy_document

PULL_ACTIONS = ("ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer")


@dataclass(frozen=True)
class EcrRepositoryProps:
    name: str
    kms_key_arn: str
    account_id: str
    region: str
    #: Images kept (the newest); older ones expire.
    keep_images: int = 20
    #: Service principals of this account that pull (e.g. "lambda.amazonaws.com").
    pull_services: tuple[str, ...] = ("lambda.amazonaws.com",)
    force_delete: bool = False

    def __post_init__(self) -> None:
        if not 1 <= self.keep_images <= 1000:
            raise ValueError(f"repository {self.name}: keep_images 1-1000")


class EcrRepository(Construct):
    """Exposes `repository` (L1), `repository_url` and `arn`."""

    def __init__(self, scope: Construct, construct_id: str, props: EcrRepositoryProps) -> None:
        super().__init__(scope, construct_id)
        ecr = provider_module("ecr_repository")
        self.repository = ecr.EcrRepository(
            self, "repository", name=props.name, image_tag_mutability="IMMUTABLE",
            image_scanning_configuration=ecr.EcrRepositoryImageScanningConfiguration(scan_on_push=True),
            encryption_configuration=[ecr.EcrRepositoryEncryptionConfiguration(
                encryption_type="KMS", kms_key=props.kms_key_arn)],
            force_delete=props.force_delete)
        provider_module("ecr_lifecycle_policy").EcrLifecyclePolicy(
            self, "lifecycle", repository=self.repository.name, policy=json.dumps({"rules": [{
                "rulePriority": 1, "description": f"keep the newest {props.keep_images} images",
                "selection": {"tagStatus": "any", "countType": "imageCountMoreThan",
                              "countNumber": props.keep_images},
                "action": {"type": "expire"}}]}, sort_keys=True))
        if props.pull_services:
            pull = policy_document(self, "pull", [Statement(
                sid="ServicesOfThisAccountPull", actions=PULL_ACTIONS,
                principals=(("Service", props.pull_services),),
                conditions=(("StringEquals", "aws:SourceAccount", (props.account_id,)),))])
            provider_module("ecr_repository_policy").EcrRepositoryPolicy(
                self, "policy", repository=self.repository.name, policy=pull.json)
        self.repository_url: str = self.repository.repository_url
        self.arn: str = self.repository.arn
