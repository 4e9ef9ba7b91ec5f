"""What the exports page found each file leaves out, kept in the database for every web process to read."""

from __future__ import annotations

from django.db import models

from campaigns.models.organizations import Organization


class ExportFindings(models.Model):
    """The left-out items of each export file, as last checked for an organization in one language, under the digest
    of the rows they were checked on (campaigns/exporters/left_out.py): shown while the digest stays the same."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    language = models.CharField(max_length=16)
    digest = models.CharField(max_length=48)  # "<checks version>:<md5 of the rows' ids and xmin>"
    findings = models.JSONField()  # {file kind: [{"item", "rule", "detail"}, …]}
    checked_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "language"], name="export_findings_once_per_language")
        ]

    def __str__(self) -> str:
        return f"{self.organization_id} {self.language} {self.digest}"
