from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    name = "campaigns"
    verbose_name = "Campaigns"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Every Django process (web, worker, beat) counts its tasks, generation batches and worker metrics. The
        # task module registers the tasks by name for services that queue them (generation_jobs.queue_job).
        from campaigns import metrics, tasks  # noqa: F401

        metrics.connect()
