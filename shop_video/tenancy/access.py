"""Who a signed-in user acts for, and what their role lets them do: the one merchant rule and the one role
table, used by the API (shop_video.api.authentication, shop_video.api.permissions) and the dashboard
(shop_video.dashboard.access) alike, so the two cannot disagree.

Roles: viewers read; owners, admins and editors also edit; owners and admins also manage secrets (API keys and
webhooks, whose signing secrets they show). An API key is not a member: it acts for its merchant with every
ability (the API's permissions say so).
"""

from __future__ import annotations

from enum import StrEnum

from shop_video.tenancy.models import Membership, Merchant

SESSION_MERCHANT = "merchant_id"  # the dashboard's merchant switcher stores its choice here; the API reads it too

Role = Membership.Role


class Ability(StrEnum):
    READ = "read"
    EDIT = "edit"  # create, change or delete catalog, templates, renders, brand kits, presenters
    MANAGE = "manage"  # API keys and webhooks: anything that shows or makes a secret


ROLE_ABILITIES: dict[str, frozenset[Ability]] = {
    Role.OWNER: frozenset(Ability),
    Role.ADMIN: frozenset(Ability),
    Role.EDITOR: frozenset({Ability.READ, Ability.EDIT}),
    Role.VIEWER: frozenset({Ability.READ}),
}


def membership_current(*, user, chosen_merchant_id) -> Membership | None:
    """The membership a signed-in user acts through: the merchant chosen in the switcher (the session's
    SESSION_MERCHANT) if the user still belongs to it, else the user's first (oldest) one; None for a user who
    belongs to no merchant."""
    memberships = Membership.objects.filter(user=user).select_related("merchant").order_by("pk")
    membership = memberships.filter(merchant_id=chosen_merchant_id).first() if chosen_merchant_id else None
    return membership or memberships.first()


def role_can(*, role: str, ability: Ability) -> bool:
    return ability in ROLE_ABILITIES.get(role, frozenset())


def role_refusal_message(*, merchant: Merchant, role: str, ability: Ability, what: str = "use this") -> str:
    """Why a member is refused, naming their role and which role to ask for."""
    role_name = Role(role).label.lower()
    if ability is Ability.MANAGE:
        return (
            f"Only owners and admins of {merchant} can {what}; your role is {role_name}. "
            "Ask an owner for the admin role."
        )
    return f"Your role at {merchant} is {role_name}: you can look, not change. Ask an owner for the editor role."
