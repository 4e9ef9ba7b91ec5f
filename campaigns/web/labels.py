"""Model choice labels that templates translate through a variable ({% translate role_label %}).

The models' labels are plain strings (translating them would change the migrations); listing them here keeps
them in the catalog when ``makemessages`` runs.
"""

from django.utils.translation import gettext_noop

CHOICE_LABELS = (
    gettext_noop("Owner"),
    gettext_noop("Editor"),
    gettext_noop("Viewer"),
    gettext_noop("Enabled"),
    gettext_noop("Paused"),
    gettext_noop("Removed"),
    gettext_noop("Exact"),
    gettext_noop("Phrase"),
    gettext_noop("Broad"),
    gettext_noop("Dry run (show only)"),
    gettext_noop("Wait for approval"),
    gettext_noop("Apply automatically"),
    gettext_noop("Refuse the request"),
    gettext_noop("Strip the offending sentences"),
    gettext_noop("Shared negative list"),
    gettext_noop("Pending"),
    gettext_noop("Approved"),
    gettext_noop("Rejected"),
    gettext_noop("Rebalance"),
    gettext_noop("Rollback"),
    gettext_noop("Set by hand"),
    gettext_noop("Proposed"),
    gettext_noop("Applying"),
    gettext_noop("Applied"),
)
