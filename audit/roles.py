"""Staff roles as data: each group and the model permissions it holds.

Synced after every migrate, so a new model's permissions reach the roles in the same deploy.
"""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission
from django.db.models import Q

OFFICERS = "Migration officers"
ANALYSTS = "Analysts"
EMPLOYERS = "Employers"
LEGAL_EDITORS = "Legal editors"

# role -> {app_label: actions}; an action is a permission codename prefix (view, add, change, delete).
ROLE_PERMISSIONS: dict[str, dict[str, tuple[str, ...]]] = {
    OFFICERS: {
        "profiles": ("view", "add", "change"),
        "employers": ("view", "add", "change"),
        "reference": ("view",),
        "legal": ("view",),
        "linkage": ("view", "add", "change"),
        "exchange": ("view", "add", "change"),
        "audit": ("view",),
        "cabinet": ("view", "change"),
        "services": ("view", "change"),
        "notifications": ("view", "add", "change", "approve"),
    },
    # Analysts see aggregates only: reference data and reports, never a person's record.
    ANALYSTS: {"reference": ("view",), "reports": ("view", "add", "change")},
    EMPLOYERS: {},
    # Lawyers confirm or correct rule data and calendars; nobody else edits the law.
    LEGAL_EDITORS: {"legal": ("view", "add", "change"), "reference": ("view", "change")},
}


def roles_sync(**_kwargs) -> None:
    """Create the groups and set exactly the permissions ROLE_PERMISSIONS gives them."""
    for role, grants in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        condition = Q(pk__in=[])
        for app_label, actions in grants.items():
            for action in actions:
                condition |= Q(content_type__app_label=app_label, codename__startswith=f"{action}_")
        group.permissions.set(Permission.objects.filter(condition))
