"""An ACM certificate validated by DNS records in a Route 53 zone this project manages.

The validation records come from the certificate itself (one per name); `allow_overwrite`
lets a second certificate for the same names (another region's stack) reuse them, since ACM
asks for the same record per name and account. `certificate_arn` is the validated ARN: use it,
not the bare certificate's, so nothing binds a certificate that is still pending.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cdktf import TerraformResourceLifecycle
from constructs import Construct

from modules.aws import provider_module


@dataclass(frozen=True)
class CertificateProps:
    domain_name: str
    zone_id: str
    alternative_names: tuple[str, ...] = ()
    #: Provider of another region (CloudFront needs us-east-1); None: the stack's default.
    provider: Any = None


class DnsCertificate(Construct):
    """Exposes `certificate` (L1) and `certificate_arn` (after validation)."""

    def __init__(self, scope: Construct, construct_id: str, props: CertificateProps) -> None:
        super().__init__(scope, construct_id)
        acm = provider_module("acm_certificate")
        self.certificate = acm.AcmCertificate(
            self, "certificate", domain_name=props.domain_name,
            subject_alternative_names=list(props.alternative_names) or None,
            validation_method="DNS",
            # Certificate Transparency logging stays on: browsers distrust certificates without it.
            options=acm.AcmCertificateOptions(
                certificate_transparency_logging_preference="ENABLED"),
            # A replacement must exist before the old one is detached from its users.
            lifecycle=TerraformResourceLifecycle(create_before_destroy=True),
            provider=props.provider)
        # One record per name, keyed statically: a for_each over the (unknown before apply)
        # validation options cannot be planned for a new certificate.
        address = f"aws_acm_certificate.{self.certificate.friendly_unique_id}"
        records = []
        for index, name in enumerate((props.domain_name, *props.alternative_names)):
            def option(attribute: str, name: str = name) -> str:
                return (f'${{one([for o in {address}.domain_validation_options : o.{attribute} '
                        f'if o.domain_name == "{name}"])}}')
            records.append(provider_module("route53_record").Route53Record(
                self, f"validation_record_{index}", zone_id=props.zone_id,
                name=option("resource_record_name"), type=option("resource_record_type"),
                records=[option("resource_record_value")], ttl=300, allow_overwrite=True,
                depends_on=[self.certificate]))
        validation = provider_module("acm_certificate_validation").AcmCertificateValidation(
            self, "validation", certificate_arn=self.certificate.arn,
            validation_record_fqdns=[r.fqdn for r in records], provider=props.provider)
        self.certificate_arn: str = validation.certificate_arn
