"""Creating an organization: a name, a short name for addresses and files (derived from the name unless typed),
the ad accounts' currency and the time zone its days are counted in, both chosen from lists."""

from __future__ import annotations

import re
from collections import defaultdict

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from campaigns.models import Organization
from campaigns.models.validators import ISO_4217, iana_time_zones
from campaigns.services.organizations import SLUG_MAX_LENGTH, create_organization, free_slug, slug_from
from campaigns.web.context import SESSION_KEY, SignedInRequest

_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


def currency_choices() -> list[tuple[str, str]]:
    return [(code, code) for code in sorted(ISO_4217)]


def time_zone_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """IANA zones grouped by their area ("Europe": "Europe/Madrid"…); names without an area go last."""
    areas: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for zone in sorted(iana_time_zones()):
        area = zone.split("/", 1)[0] if "/" in zone else ""
        areas[area].append((zone, zone.replace("_", " ")))
    named = [(area, zones) for area, zones in sorted(areas.items()) if area]
    return named + ([(_("Other"), areas[""])] if areas[""] else [])


class OrganizationForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=200)
    slug = forms.CharField(
        label=gettext_lazy("Short name"),
        max_length=SLUG_MAX_LENGTH,
        required=False,
        help_text=gettext_lazy(
            "Lower-case letters, digits and hyphens, used in file names. Leave it empty to make it from the name."
        ),
    )
    currency = forms.ChoiceField(
        label=gettext_lazy("Currency"),
        choices=currency_choices,
        initial="EUR",
        help_text=gettext_lazy("The currency of your Google Ads and Microsoft Advertising accounts (ISO 4217 code)."),
    )
    time_zone = forms.ChoiceField(
        label=gettext_lazy("Time zone"),
        choices=time_zone_choices,
        initial=lambda: settings.TIME_ZONE,  # read when the form is drawn, never at import
        help_text=gettext_lazy("The time zone of your ad accounts: it decides where each day starts and ends."),
    )

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise ValidationError(_("Write the organization's name."), code="required")
        return name

    def clean_slug(self) -> str:
        slug = self.cleaned_data["slug"].strip()
        if slug and not _SLUG.fullmatch(slug):
            raise ValidationError(
                _(
                    "“%(slug)s” is not a short name: use lower-case letters, digits and single "
                    "hyphens, such as materiales-ibericos."
                )
                % {"slug": slug},
                code="invalid",
            )
        if slug and Organization.objects.filter(slug=slug).exists():
            raise ValidationError(_("Another organization has this short name; choose another."), code="taken")
        return slug

    def clean(self) -> dict:
        super().clean()
        cleaned = self.cleaned_data
        if "name" in cleaned and "slug" in cleaned and not cleaned["slug"]:
            derived = slug_from(cleaned["name"])
            if not derived:
                self.add_error("slug", _("The name has no letters or digits to make a short name from: type one."))
            else:
                cleaned["slug"] = free_slug(derived)
        return cleaned


@login_required
@require_http_methods(["GET", "POST"])
def new_organization(request: SignedInRequest) -> HttpResponse:
    """Create an organization; its creator becomes its owner and it becomes the current one."""
    form = OrganizationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            organization = create_organization(request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            request.session[SESSION_KEY] = organization.pk
            messages.success(
                request,
                _("%(organization)s is ready. Start by importing a report.") % {"organization": organization.name},
            )
            return redirect("campaigns:dashboard")
    status = 400 if request.method == "POST" else 200
    return render(request, "campaigns/organization_form.html", {"form": form}, status=status)
