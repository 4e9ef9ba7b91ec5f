"""The one guard of the append-only audits (budget changes, settings changes): rows are added, never changed."""

from __future__ import annotations

from django.db import models


def _refuse(model: type[AppendOnlyModel], action: str) -> PermissionError:
    return PermissionError(f"{model.audit_name} are an append-only audit: they cannot be {action}")


class AppendOnlyQuerySet(models.QuerySet):
    model: type[AppendOnlyModel]  # the queryset of an append-only model

    def update(self, **kwargs):
        raise _refuse(self.model, "updated")

    def delete(self):
        raise _refuse(self.model, "deleted")


class AppendOnlyModel(models.Model):
    """A row that can only be created: saving it again or deleting it, one by one or in bulk, raises."""

    audit_name = "audit rows"  # what the error calls the rows, e.g. "budget changes"

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise _refuse(type(self), "updated")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise _refuse(type(self), "deleted")
