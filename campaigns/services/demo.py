"""The demo organization, the same every time for the same seed and end date."""

from __future__ import annotations

import tempfile
from datetime import date, timedelta
from pathlib import Path

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from campaigns.demo.catalog import CATALOG
from campaigns.demo.generator import write_reports
from campaigns.models import Ad, Campaign, Membership, Organization, ReportImport, Role
from campaigns.services.importing import import_report

DEMO_SLUG = "materiales-ibericos"
DEMO_USERS = (  # username, password, role; the owner also administers the site for the demo
    ("demo", "demo-materiales", Role.OWNER),
    ("editora", "demo-materiales", Role.EDITOR),
    ("visor", "demo-materiales", Role.VIEWER),
)


@transaction.atomic
def seed_demo(*, seed: int = 7, days: int = 90, end: date | None = None) -> Organization:
    """Create or reset the demo organization: structure, ads, ~90 days of reports, three users."""
    end = end or timezone.localdate() - timedelta(days=1)
    organization, _ = Organization.objects.update_or_create(
        slug=DEMO_SLUG, defaults={"name": "Materiales Ibéricos S.L.", "currency": "EUR", "time_zone": "Europe/Madrid"}
    )
    organization.campaigns.all().delete()
    ReportImport.objects.filter(organization=organization).delete()
    _users(organization)
    with tempfile.TemporaryDirectory() as directory:
        reports = write_reports(Path(directory), seed=seed, days=days, end=end)
        for kind in ("campaign", "keyword", "search_terms"):
            import_report(organization, reports[kind])
    _settings_and_ads(organization)
    return organization


def _users(organization: Organization) -> None:
    user_model = get_user_model()
    for username, password, role in DEMO_USERS:
        user, _ = user_model.objects.get_or_create(username=username)
        user.is_staff = user.is_superuser = role == Role.OWNER
        user.set_password(password)
        user.save()
        Membership.objects.update_or_create(user=user, organization=organization, defaults={"role": role})


def _settings_and_ads(organization: Organization) -> None:
    for spec in CATALOG:
        campaign = Campaign.objects.get(organization=organization, name=spec.name)
        # the client approved half as much again as today's pace per campaign, so budget can move to what sells
        campaign.monthly_cap_micros = int(spec.daily_budget * 1.5 * 30.4 * 1_000_000)
        campaign.language = "es"
        campaign.daily_budget_micros = int(spec.daily_budget * 1_000_000)  # today's, not the report's largest
        campaign.save(update_fields=["monthly_cap_micros", "language", "daily_budget_micros", "updated_at"])
        for group in spec.groups:
            ad_group = campaign.ad_groups.get(name=group.name)
            Ad.objects.create(
                ad_group=ad_group,
                headlines=[
                    {"text": text, "pin": 1 if index == 0 else None} for index, text in enumerate(group.headlines)
                ],
                descriptions=[{"text": text, "pin": None} for text in group.descriptions],
                path1=group.path[0],
                path2=group.path[1],
                final_url=f"https://www.materiales-ibericos.example/{group.path[0]}/{group.path[1]}",
            )
