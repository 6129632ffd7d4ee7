"""Who calls the system: a Cognito user pool (email sign-in, SRP, optional authenticator-app
MFA) with one public app client, and an identity pool whose authenticated role may call the
REST API's routes and open WebSocket connections (IAM on `$connect`); guests get nothing.
With `users.api_authorizer` the REST API also requires the pool's ID token on every route."""

from __future__ import annotations

from dataclasses import dataclass

from modules.identity_pool import IdentityPool, IdentityPoolProps
from modules.policy import Statement
from modules.rest_api_authorizer import Authorizer
from modules.stacks.system_stack import SystemStack
from modules.user_pool import PasswordRules, TokenValidity, UserPool, UserPoolProps
from systems.allocation.names import AllocationNames
from systems.allocation.settings import AllocationSettings


@dataclass(frozen=True)
class Users:
    pool: UserPool
    #: The REST API's authorizer, or None (API keys only).
    authorizer: Authorizer | None


def build_user_pool(stack: SystemStack, settings: AllocationSettings,
                    names: AllocationNames) -> Users:
    env, users = stack.env, settings.users
    pool = UserPool(stack, "users", UserPoolProps(
        pool_name=names.user_pool(), client_name=names.user_pool_client(),
        account_id=env.account_id, region=env.region,
        password=PasswordRules(minimum_length=users.password_min_length),
        mfa=users.mfa, deletion_protection=users.deletion_protection,
        threat_protection=users.threat_protection, self_sign_up=users.self_sign_up,
        tokens=TokenValidity(access_minutes=60, id_minutes=60, refresh_days=30)))
    authorizer = Authorizer.cognito(names.name("cognito"), (pool.pool_arn,)) \
        if users.api_authorizer else None
    return Users(pool=pool, authorizer=authorizer)


def build_identity_pool(stack: SystemStack, names: AllocationNames, users: Users,
                        rest_api_id: str, websocket_execution_arn: str) -> IdentityPool:
    env = stack.env
    api = f"arn:aws:execute-api:{env.region}:{env.account_id}:{rest_api_id}/{env.environment}"
    return IdentityPool(stack, "identity", IdentityPoolProps(
        pool_name=names.identity_pool(),
        role_names={kind: names.identity_role(kind) for kind in ("authenticated", "unauthenticated")},
        statements={
            "authenticated": (
                Statement(sid="CallOptimizationApi", actions=("execute-api:Invoke",),
                          resources=(f"{api}/POST/optimize", f"{api}/GET/jobs/*")),
                Statement(sid="OpenStatusConnections", actions=("execute-api:Invoke",),
                          resources=(f"{websocket_execution_arn}/{env.environment}/$connect",))),
            "unauthenticated": (
                Statement(sid="NoApiForGuests", effect="Deny", actions=("execute-api:Invoke",),
                          resources=(f"arn:aws:execute-api:{env.region}:{env.account_id}:*",)),),
        },
        user_pool_client_id=users.pool.client_id,
        user_pool_provider_name=f"cognito-idp.{env.region}.amazonaws.com/{users.pool.pool_id}"))
