"""A Cognito identity pool federating one user pool app client, with its authenticated and
unauthenticated roles.

Each role trusts only `cognito-identity.amazonaws.com` web identities of this pool (`aud`) with
the matching `amr` (authenticated or unauthenticated), so a token of another pool, or a guest
identity, can never take the authenticated role. Guest identities are off unless asked for.
"""

from __future__ import annotations

from dataclasses import dataclass

from constructs import Construct

from modules.aws import provider_module
from modules.policy import Statement, policy_document

FEDERATION = "cognito-identity.amazonaws.com"
KINDS = ("authenticated", "unauthenticated")


@dataclass(frozen=True)
class IdentityPoolProps:
    pool_name: str
    #: Role names by kind ("authenticated", "unauthenticated").
    role_names: dict[str, str]
    #: Inline policy statements by kind.
    statements: dict[str, tuple[Statement, ...]]
    user_pool_client_id: str
    #: `cognito-idp.<region>.amazonaws.com/<user pool id>`.
    user_pool_provider_name: str
    allow_unauthenticated: bool = False

    def __post_init__(self) -> None:
        if set(self.role_names) != set(KINDS) or set(self.statements) != set(KINDS):
            raise ValueError(f"identity pool {self.pool_name}: role_names and statements need "
                             f"exactly {', '.join(KINDS)}")
        if any(not statements for statements in self.statements.values()):
            raise ValueError(f"identity pool {self.pool_name}: every role needs a statement")


class IdentityPool(Construct):
    """Exposes `pool` (L1), `pool_id` and `role_arns` (kind -> ARN)."""

    def __init__(self, scope: Construct, construct_id: str, props: IdentityPoolProps) -> None:
        super().__init__(scope, construct_id)
        module = provider_module("cognito_identity_pool")
        self.pool = module.CognitoIdentityPool(
            self, "pool", identity_pool_name=props.pool_name,
            allow_unauthenticated_identities=props.allow_unauthenticated,
            allow_classic_flow=False,
            cognito_identity_providers=[module.CognitoIdentityPoolCognitoIdentityProviders(
                client_id=props.user_pool_client_id,
                provider_name=props.user_pool_provider_name, server_side_token_check=True)])
        self.role_arns: dict[str, str] = {}
        for kind in KINDS:
            trust = policy_document(self, f"{kind}_trust", [Statement(
                sid="TrustThisIdentityPool", actions=("sts:AssumeRoleWithWebIdentity",),
                principals=(("Federated", (FEDERATION,)),),
                conditions=(("StringEquals", f"{FEDERATION}:aud", (self.pool.id,)),
                            ("ForAnyValue:StringLike", f"{FEDERATION}:amr", (kind,))))])
            role = provider_module("iam_role").IamRole(
                self, f"{kind}_role", name=props.role_names[kind],
                assume_role_policy=trust.json,
                description=f"{kind.capitalize()} identities of {props.pool_name}")
            policy = policy_document(self, f"{kind}_policy_document",
                                     list(props.statements[kind]))
            provider_module("iam_role_policy").IamRolePolicy(
                self, f"{kind}_policy", name=f"{props.role_names[kind]}-policy", role=role.id,
                policy=policy.json)
            self.role_arns[kind] = role.arn
        provider_module("cognito_identity_pool_roles_attachment").CognitoIdentityPoolRolesAttachment(
            self, "roles", identity_pool_id=self.pool.id, roles=dict(self.role_arns))
        self.pool_id: str = self.pool.id
