"""Bootstrap stack: creates the team backend from `backend.tf.json`, keeps its own state local
until `backend.tf.json` says `"bootstrap_state": "s3"` (after `terraform init -migrate-state`).

The local state file lives beside the synthesis output (`terraform.state-backend.tfstate` at the
project root), so re-synthesizing never deletes the state of the bucket and table."""

from __future__ import annotations

from cdktf import TerraformOutput, TerraformStack
from constructs import Construct

from modules.backend import BOOTSTRAP_STACK, BackendSettings, use_local_backend, use_team_backend
from modules.provider import aws_provider
from modules.state_backend import StateBackend, StateBackendProps


class StateBackendStack(TerraformStack):
    def __init__(self, scope: Construct, settings: BackendSettings) -> None:
        super().__init__(scope, BOOTSTRAP_STACK)
        aws_provider(self, region=settings.region, account_id=settings.account_id,
                     tags={"ManagedBy": "terraform", "Stack": BOOTSTRAP_STACK})
        if settings.bootstrap_state == "s3":
            use_team_backend(self, settings, BOOTSTRAP_STACK)
        else:
            use_local_backend(self)
        backend = StateBackend(self, "state", StateBackendProps(settings=settings))
        TerraformOutput(self, "state_bucket", value=backend.bucket_name)
        TerraformOutput(self, "lock_table", value=backend.table_name)
        TerraformOutput(self, "state_kms_key_arn", value=backend.key_arn)
