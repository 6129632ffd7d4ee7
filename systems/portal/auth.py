"""Part `auth`: the user pool `<stem>-users` with the specification's password policy, MFA
off, email recovery and required attributes; the public `web-client` (no secret,
USER_PASSWORD_AUTH and refresh, authorization-code grant, 8 callback and 8 logout URLs); the
hosted UI at the `<stem>` Cognito domain; tokens 1 h / 1 h / 30 days with revocation; threat
protection in audit mode; and the identity pool `<stem>-identity` with its two roles."""

from __future__ import annotations

from dataclasses import dataclass

from modules.identity_pool import IdentityPool, IdentityPoolProps
from modules.policy import Statement
from modules.stacks.system_stack import SystemStack
from modules.user_pool import OAuthClient, PasswordRules, TokenValidity, UserPool, UserPoolProps
from systems.portal import catalog
from systems.portal.names import PortalNames
from systems.portal.settings import PortalSettings


@dataclass(frozen=True)
class Auth:
    pool: UserPool
    identity: IdentityPool


def urls(settings: PortalSettings, path: str) -> tuple[str, ...]:
    """Production URLs of the four apps, then their local development ports."""
    return (*(f"https://{app}.{settings.domain}/{path}" for app in catalog.APPS),
            *(f"http://localhost:{port}/{path}" for port in settings.auth.local_ports))


def build_auth(stack: SystemStack, settings: PortalSettings, names: PortalNames) -> Auth:
    env, config = stack.env, settings.auth
    pool = UserPool(stack, "users", UserPoolProps(
        pool_name=names.user_pool(), client_name=names.web_client(),
        account_id=env.account_id, region=env.region,
        password=PasswordRules(minimum_length=8),
        mfa="OFF", threat_protection=config.threat_protection,
        deletion_protection=config.deletion_protection,
        tokens=TokenValidity(access_minutes=60, id_minutes=60, refresh_days=30),
        required_attributes=("email", "given_name", "family_name"),
        # The specification's flows: the hosted UI's code grant for the apps, and
        # USER_PASSWORD_AUTH (the password goes to Cognito over TLS) for its own forms.
        auth_flows=("ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"),
        oauth=OAuthClient(callback_urls=urls(settings, "callback"),
                          logout_urls=urls(settings, "logout")),
        domain_prefix=names.auth_domain()))
    api = f"arn:aws:execute-api:{env.region}:{env.account_id}"
    identity = IdentityPool(stack, "identity", IdentityPoolProps(
        pool_name=names.identity_pool(),
        role_names={kind: names.identity_role(kind)
                    for kind in ("authenticated", "unauthenticated")},
        statements={
            "authenticated": (Statement(
                sid="InvokeReadAndWriteRoutes", actions=("execute-api:Invoke",),
                resources=(f"{api}:*/*/GET/*", f"{api}:*/*/POST/*")),),
            "unauthenticated": (Statement(
                sid="NoApiForGuests", effect="Deny", actions=("execute-api:Invoke",),
                resources=(f"{api}:*/*/*/*",)),),
        },
        user_pool_client_id=pool.client_id,
        user_pool_provider_name=f"cognito-idp.{env.region}.amazonaws.com/{pool.pool_id}"))
    return Auth(pool=pool, identity=identity)
