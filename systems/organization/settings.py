"""`[systems.organization]` of the management account's env file: the AWS Organization, its
units, the member accounts and the service control policies.

Every field has a default except what only the operator knows: `account_email` (a mailbox
template; each account needs a unique address) must be stated in the env file.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, model_validator

from modules.config import Region, StrictModel, pattern

UnitKey = pattern(r"^[a-z][a-z0-9-]{0,30}$", "a lowercase key such as 'security'")
AccountName = pattern(r"^[a-z][a-z0-9-]{1,49}$", "a lowercase account name such as 'prod'")
Email = pattern(r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$",
                "an email address such as aws-prod@example.com")
EmailTemplate = pattern(r"^([A-Za-z0-9._%+-]*\{account\}[A-Za-z0-9._%+-]*@[A-Za-z0-9-]+"
                        r"(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})?$",
                        "an address with '{account}' in its local part, such as "
                        "aws+{account}@example.com")


class AccountSettings(StrictModel):
    """One member account."""

    #: Key of its organizational unit (`units`).
    unit: UnitKey
    #: Its root user's address; empty: `account_email` with the account's name.
    email: Email | None = None


DEFAULT_ACCOUNTS = {
    "security": AccountSettings(unit="security"), "audit": AccountSettings(unit="security"),
    "dev": AccountSettings(unit="nonprod"), "staging": AccountSettings(unit="nonprod"),
    "prod": AccountSettings(unit="prod"),
}


class OrganizationSettings(StrictModel):
    #: Root-user address of each account, '{account}' replaced by its name (required).
    account_email: EmailTemplate = ""
    #: Unit key -> OU name.
    units: dict[UnitKey, Annotated[str, Field(min_length=1, max_length=128)]] = {
        "security": "Security", "nonprod": "Workloads-NonProd", "prod": "Workloads-Prod"}
    accounts: dict[AccountName, AccountSettings] = DEFAULT_ACCOUNTS
    #: Regions member accounts may use (global services excepted); empty: no restriction.
    allowed_regions: tuple[Region, ...] = ("us-east-1", "us-west-2")
    #: Role the SCPs exempt (break-glass administration from the management account).
    exempt_role: pattern(r"^[\w+=,.@-]{1,64}$", "an IAM role name") = "OrganizationAccountAccessRole"
    #: Close an account when it is removed here (else it only leaves Terraform's state).
    close_on_deletion: bool = False

    @model_validator(mode="after")
    def _complete(self) -> "OrganizationSettings":
        for name, account in self.accounts.items():
            if account.unit not in self.units:
                raise ValueError(f"accounts.{name}.unit is {account.unit!r}; one of the units: "
                                 f"{', '.join(self.units)}")
            if account.email is None and not self.account_email:
                raise ValueError(f"account_email is required (an address with '{{account}}', "
                                 f"such as aws+{{account}}@example.com) unless every account "
                                 f"states its email; {name} does not")
        return self

    def email_of(self, name: str) -> str:
        return self.accounts[name].email or self.account_email.replace("{account}", name)
