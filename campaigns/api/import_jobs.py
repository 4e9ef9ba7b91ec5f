"""The import job as the API shows it: progress, result, or the refusal with its line and column."""

from __future__ import annotations

from rest_framework import serializers
from rest_framework.reverse import reverse

from campaigns.models import ImportJob
from campaigns.reports import ReportError


class ImportJobSerializer(serializers.ModelSerializer):
    progress_percent = serializers.IntegerField(read_only=True)
    finished = serializers.BooleanField(read_only=True)
    detail = serializers.SerializerMethodField(help_text="why the job failed, with the line and column")
    line = serializers.IntegerField(source="error_line", read_only=True, allow_null=True)
    column = serializers.CharField(source="error_column", read_only=True)
    url = serializers.SerializerMethodField(help_text="where to poll the job")

    class Meta:
        model = ImportJob
        fields = [
            "id",
            "url",
            "organization",
            "filename",
            "size_bytes",
            "status",
            "progress_percent",
            "finished",
            "rows_read",
            "attempts",
            "detail",
            "line",
            "column",
            "report_import",
            "result",
            "created_by",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields

    def get_detail(self, job: ImportJob) -> str:
        if not job.error:
            return ""
        return str(ReportError(job.error, line=job.error_line, column=job.error_column or None))

    def get_url(self, job: ImportJob) -> str:
        return reverse("importjob-detail", args=[job.pk], request=self.context.get("request"))
