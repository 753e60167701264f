"""The campaign API: a draft created (idempotently), hostile input refused with what to change, another merchant's
campaign a 404, the moves and their conflicts, estimate, dry run, and the campaign's renders as one group."""

import pytest
from django.urls import reverse

from generation.campaigns.models import Campaign, RenderQuota
from generation.campaigns.scheduler import campaign_advance
from generation.models import RenderJob
from generation.services.render_jobs import render_job_create
from tests import factories
from tests.campaigns.conftest import shot_seconds_used
from tests.dashboard.conftest import client_for

pytestmark = pytest.mark.django_db

CAMPAIGNS = "/api/v1/campaigns"
BODY = {"name": "Summer", "template": "quick-bumper", "aspect_ratios": ["9:16"], "selection": {"all": True}}


def _create(api, body=BODY, **headers):
    return api.post(CAMPAIGNS, body, format="json", headers=headers)


def test_create_is_a_draft_with_its_location_and_the_same_key_gives_the_same_campaign(api, shop):
    first = _create(api, **{"Idempotency-Key": "summer-1"})
    assert first.status_code == 201, first.json()
    body = first.json()
    assert body["status"] == "draft" and body["counts"]["products"] == 5 and body["counts"]["not_started"] == 5
    assert first["Location"].endswith(f"/api/v1/campaigns/{body['id']}")
    again = _create(api, **{"Idempotency-Key": "summer-1"})
    assert again.status_code == 201 and again.json()["id"] == body["id"] and again["Idempotent-Replayed"] == "true"
    other = _create(api, {**BODY, "name": "Winter"}, **{"Idempotency-Key": "summer-1"})
    assert other.status_code == 422
    assert Campaign.objects.count() == 1


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ({**BODY, "selection": {}}, "selection must be an object"),
        ({**BODY, "selection": {"product_type": "Nothing like it"}}, "matches none of your products"),
        ({**BODY, "template": "no-such"}, "No template 'no-such'"),
        ({**BODY, "selection": {"all": True, "tag": "x"}}, "takes nothing else"),
        ({**BODY, "selection": {"price_min": "-1"}}, "from 0"),
        ({**BODY, "selection": {"price_min": "NaN"}}, "amount"),
        ({**BODY, "selection": {"price_min": "50", "price_max": "5"}}, "swap them"),
        ({**BODY, "selection": {"colour": "red"}}, "colour is not a selection field"),
        ({**BODY, "selection": {"skus": []}}, "skus"),
        ({**BODY, "selection": {"skus": ["x" * 300]}}, "255"),
        ({**BODY, "name": "n" * 201}, "200"),
        ({**BODY, "aspect_ratios": ["2:1"]}, "aspect ratio"),
        ({**BODY, "engine": "warp-drive"}, "warp-drive"),
        ({**BODY, "template_rules": {"Mugs": "no-such"}}, "No template 'no-such'"),
        ({**BODY, "recurrence": "hourly"}, "hourly"),
        ([1, 2], "expected a dictionary"),
    ],
)
def test_hostile_bodies_are_a_400_that_says_what_to_change_and_create_nothing(api, one_product, body, says):
    response = _create(api, body)
    assert response.status_code == 400, response.json()
    assert says.lower() in str(response.json()).lower()
    assert Campaign.objects.count() == 0


def test_a_selection_over_the_cap_and_a_spent_quota_are_refused(api, merchant, shop, settings):
    settings.CAMPAIGN_MAX_PRODUCTS = 3
    response = _create(api)
    assert response.status_code == 400 and "at most 3" in response.json()["error"]["message"]
    settings.CAMPAIGN_MAX_PRODUCTS = 100
    RenderQuota.objects.create(merchant=merchant, monthly_render_seconds=1)
    render_job_create(merchant=merchant, template_slug="quick-bumper", sku="P-1")
    shot_seconds_used(merchant, 5)
    response = _create(api)
    assert response.status_code == 400 and "render quota is spent" in response.json()["error"]["message"]
    one_off = api.post("/api/v1/renders", {"template": "quick-bumper", "sku": "P-2"}, format="json")
    assert one_off.status_code == 400 and "render quota is spent" in str(one_off.json())
    form = client_for(merchant).post(
        reverse("dashboard:render_new"),
        {"sku": "P-2", "template": "quick-bumper", "aspect_ratios": ["9:16"], "engine": "motion", "short_side": "180"},
    )
    assert form.status_code == 400 and "render quota is spent" in form.content.decode()
    assert Campaign.objects.count() == 0 and RenderJob.objects.count() == 1


def test_another_merchants_campaign_is_a_404_everywhere(api, other_api, shop):
    campaign_id = _create(api).json()["id"]
    for path in ("", "/estimate", "/dry-run", "/renders"):
        assert other_api.get(f"{CAMPAIGNS}/{campaign_id}{path}").status_code == 404, path
    for action in ("launch", "pause", "resume", "cancel", "retry-failed"):
        assert other_api.post(f"{CAMPAIGNS}/{campaign_id}/{action}").status_code == 404, action
    assert other_api.get(CAMPAIGNS).json()["results"] == []
    assert api.get(f"{CAMPAIGNS}/{2**63}").status_code == 404


def test_launch_then_its_renders_are_one_group_and_moves_out_of_turn_are_a_409(api, shop, emitted):
    campaign_id = _create(api).json()["id"]
    launched = api.post(f"{CAMPAIGNS}/{campaign_id}/launch")
    assert launched.status_code == 200 and launched.json()["status"] == "running"
    assert api.post(f"{CAMPAIGNS}/{campaign_id}/launch").status_code == 409
    assert api.post(f"{CAMPAIGNS}/{campaign_id}/resume").status_code == 409
    campaign_advance(campaign_id=campaign_id)
    factories.product_make(merchant=shop[0].merchant, sku="SOLO-1")
    api.post("/api/v1/renders", {"template": "quick-bumper", "sku": "SOLO-1"}, format="json")
    grouped = api.get(f"/api/v1/renders?campaign={campaign_id}").json()["results"]
    assert len(grouped) == 2 and {render["campaign"] for render in grouped} == {campaign_id}
    assert len(api.get("/api/v1/renders").json()["results"]) == 3
    own = api.get(f"{CAMPAIGNS}/{campaign_id}/renders?status=queued").json()["results"]
    assert [render["id"] for render in own] == [render["id"] for render in grouped]
    assert api.get(f"{CAMPAIGNS}/{campaign_id}/renders?status=nope").status_code == 400
    assert api.get("/api/v1/renders?campaign=-3").status_code == 400
    detail = api.get(f"{CAMPAIGNS}/{campaign_id}").json()
    assert detail["counts"]["queued"] == 2 and detail["counts"]["not_started"] == 3
    paused = api.post(f"{CAMPAIGNS}/{campaign_id}/pause").json()
    assert paused["status"] == "paused" and paused["status_reason"] == "paused on request"
    assert api.post(f"{CAMPAIGNS}/{campaign_id}/cancel").json()["status"] == "cancelled"


def test_estimate_and_dry_run_spend_no_render_time(api, merchant, shop):
    factories.product_make(merchant=merchant, sku="BARE-1", photos=0, title="Bare")
    campaign_id = _create(api).json()["id"]
    estimate = api.get(f"{CAMPAIGNS}/{campaign_id}/estimate").json()
    assert estimate["products"] == 6 and estimate["shots"] > 0 and estimate["cpu_seconds"] > 0
    [motion] = estimate["engines"]
    assert motion["engine"] == "motion" and motion["rate_source"] == "docs/capacity.md"
    assert estimate["duration_seconds"] > 0 and estimate["storage_bytes"]["public"] > 0
    dry = api.get(f"{CAMPAIGNS}/{campaign_id}/dry-run?limit=2").json()
    assert dry["products"] == 6 and dry["checked_in_full"] == 2
    assert dry["would_skip"] == {"no_photo": 1} and dry["skipped"][0]["product"] == "bare-1"
    assert api.get(f"{CAMPAIGNS}/{campaign_id}/dry-run?limit=100000").status_code == 400
    assert RenderJob.objects.count() == 0  # the full checks were rolled back
