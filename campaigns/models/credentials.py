"""Ad-platform credentials, encrypted at rest (AES-256-GCM); the key never lives in the database."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from campaigns.models.organizations import Organization


class CredentialPlatform(models.TextChoices):
    GOOGLE_ADS = "google_ads", "Google Ads"
    MICROSOFT_ADS = "microsoft_ads", "Microsoft Advertising"


class PlatformCredential(models.Model):
    """One organization's credentials for one platform: a nonce + ciphertext under the key named ``key_id``."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="credentials")
    platform = models.CharField(max_length=16, choices=CredentialPlatform.choices)
    key_id = models.CharField(max_length=64, help_text="which key (from the environment) encrypted it")
    nonce = models.BinaryField(max_length=12)
    ciphertext = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "platform"], name="credential_unique_org_platform"),
            models.CheckConstraint(
                condition=Q(platform__in=CredentialPlatform.values), name="credential_platform_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_platform_display()} credentials of {self.organization}"
