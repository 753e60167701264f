"""Hostile campaign API cases (generation/campaigns/api.py, docs/campaigns.md): every field of a new campaign sent
wrong (type, empty, too long, huge, negative, unknown choice, nested garbage, another merchant's SKU or template),
every query parameter of the campaign routes, and another merchant's campaign. Each is a 400/403/404 that says
what to change and creates nothing (no campaign row, no render)."""

from tests.security.hostile_world import Case

NOT_FOUND = "Not found: no such object for this merchant"
CAMPAIGNS = "/api/v1/campaigns"
BODY = {"name": "Summer", "template": "product-showcase", "selection": {"skus": ["MUG-1"]}}
BAD_CURSOR = "This cursor is not valid"
WHOLE_NUMBER = "Must be a whole number from 1 to"
EMPTY_PAGE = '"results":[]'


def _body(**changes) -> dict:
    return {**BODY, **changes}


def _selection(selection) -> dict:
    return {**BODY, "selection": selection}


def _campaigns_make(world) -> None:
    """A draft campaign for acme and one for globex (rolled back with the case); their ids go into the URLs."""
    from generation.campaigns.services import campaign_create

    for who, merchant, sku in (("", world["acme"], "MUG-1"), ("globex_", world["globex"], "GLX-1")):
        campaign = campaign_create(
            merchant=merchant, name="Drafted", template="product-showcase", selection={"skus": [sku]}
        )
        world["values"][f"{who}campaign_id"] = campaign.pk


def _second_product_make(world) -> None:
    from tests import factories

    factories.product_make(merchant=world["acme"], sku="MUG-2", photos=0)


OURS = "/api/v1/campaigns/{campaign_id}"
THEIRS = "/api/v1/campaigns/{globex_campaign_id}"

# fmt: off
CREATE = [
    Case("campaign-name-empty", "key", "POST", CAMPAIGNS, 400, "may not be blank", field="name", json=_body(name="")),
    Case("campaign-name-spaces", "key", "POST", CAMPAIGNS, 400, "may not be blank", field="name", json=_body(name="   ")),
    Case("campaign-name-too-long", "key", "POST", CAMPAIGNS, 400, "200 characters", field="name", json=_body(name="n" * 201)),
    Case("campaign-name-an-object", "key", "POST", CAMPAIGNS, 400, "Not a valid string", field="name", json=_body(name={"$ne": ""})),
    Case("campaign-name-nul-byte", "key", "POST", CAMPAIGNS, 400, "Null characters", field="name", json=_body(name="Sum\x00mer")),
    Case("campaign-name-missing", "key", "POST", CAMPAIGNS, 400, "This field is required", field="name", json={"template": "product-showcase", "selection": {"all": True}}),
    Case("campaign-template-path", "key", "POST", CAMPAIGNS, 400, "../../etc/passwd", field="template", json=_body(template="../../etc/passwd")),
    Case("campaign-template-theirs", "key", "POST", CAMPAIGNS, 400, "globex-only", field="template", json=_body(template="globex-only")),
    Case("campaign-template-too-long", "key", "POST", CAMPAIGNS, 400, "64 characters", field="template", json=_body(template="t" * 65)),
    Case("campaign-template-a-list", "key", "POST", CAMPAIGNS, 400, "Not a valid string", field="template", json=_body(template=["product-showcase"])),
    Case("campaign-rules-a-list", "key", "POST", CAMPAIGNS, 400, "Expected a dictionary", field="template_rules", json=_body(template_rules=["Mugs", "acme-only"])),
    Case("campaign-rules-too-many", "key", "POST", CAMPAIGNS, 400, "at most 50", field="template_rules", json=_body(template_rules={f"Type {i}": "acme-only" for i in range(51)})),
    Case("campaign-rules-their-template", "key", "POST", CAMPAIGNS, 400, "globex-only", field="template_rules", json=_body(template_rules={"Mugs": "globex-only"})),
    Case("campaign-rules-nested", "key", "POST", CAMPAIGNS, 400, "Not a valid string", field="template_rules", json=_body(template_rules={"Mugs": {"slug": "acme-only"}})),
    Case("campaign-rules-blank-type", "key", "POST", CAMPAIGNS, 400, "each product type (1-200 characters)", field="template_rules", json=_body(template_rules={" ": "acme-only"})),
    Case("campaign-rules-long-type", "key", "POST", CAMPAIGNS, 400, "each product type (1-200 characters)", field="template_rules", json=_body(template_rules={"M" * 201: "acme-only"})),
    Case("campaign-rules-nul-in-type", "key", "POST", CAMPAIGNS, 400, "Null characters", field="template_rules", json=_body(template_rules={"Mu\x00gs": "acme-only"})),
    Case("campaign-aspect-absurd", "key", "POST", CAMPAIGNS, 400, "not an aspect ratio we make", field="aspect_ratios", json=_body(aspect_ratios=["1:100000"])),
    Case("campaign-aspect-empty", "key", "POST", CAMPAIGNS, 400, "at least 1", field="aspect_ratios", json=_body(aspect_ratios=[])),
    Case("campaign-aspect-a-string", "key", "POST", CAMPAIGNS, 400, "Expected a list", field="aspect_ratios", json=_body(aspect_ratios="9:16")),
    Case("campaign-aspect-too-many", "key", "POST", CAMPAIGNS, 400, "no more than", field="aspect_ratios", json=_body(aspect_ratios=["9:16"] * 100)),
    Case("campaign-engine-import-path", "key", "POST", CAMPAIGNS, 400, "os.system", field="engine", json=_body(engine="os.system")),
    Case("campaign-engine-too-long", "key", "POST", CAMPAIGNS, 400, "32 characters", field="engine", json=_body(engine="e" * 33)),
    Case("campaign-engine-an-object", "key", "POST", CAMPAIGNS, 400, "Not a valid string", field="engine", json=_body(engine={"name": "motion"})),
    Case("campaign-keep-current-not-bool", "key", "POST", CAMPAIGNS, 400, "Must be a valid boolean", field="keep_current", json=_body(keep_current="maybe")),
    Case("campaign-keep-current-nested", "key", "POST", CAMPAIGNS, 400, "Must be a valid boolean", field="keep_current", json=_body(keep_current=[True])),
    Case("campaign-recurrence-unknown", "key", "POST", CAMPAIGNS, 400, "hourly", field="recurrence", json=_body(recurrence="hourly")),
    Case("campaign-recurrence-a-number", "key", "POST", CAMPAIGNS, 400, "not a valid choice", field="recurrence", json=_body(recurrence=86400)),
    Case("campaign-unknown-field", "key", "POST", CAMPAIGNS, 400, "merchant is not a campaign field", json=_body(merchant="{globex_merchant_id}")),
    Case("campaign-by-a-viewer", "viewer", "POST", CAMPAIGNS, 403, "is viewer: you can look, not change", json=BODY),
]

SELECTION = [
    Case("campaign-selection-missing", "key", "POST", CAMPAIGNS, 400, "This field is required", field="selection", json={"name": "x", "template": "product-showcase"}),
    Case("campaign-selection-a-string", "key", "POST", CAMPAIGNS, 400, "Expected a dictionary", field="selection", json=_selection("all")),
    Case("campaign-selection-empty", "key", "POST", CAMPAIGNS, 400, "selection must be an object", field="selection", json=_selection({})),
    Case("campaign-selection-unknown-filter", "key", "POST", CAMPAIGNS, 400, "colour is not a selection field", field="selection", json=_selection({"colour": "red"})),
    Case("campaign-selection-all-and-filter", "key", "POST", CAMPAIGNS, 400, "takes nothing else", field="selection", json=_selection({"all": True, "tag": "x"})),
    Case("campaign-selection-skus-and-filter", "key", "POST", CAMPAIGNS, 400, "takes no filters beside it", field="selection", json=_selection({"skus": ["MUG-1"], "tag": "x"})),
    Case("campaign-selection-their-sku", "key", "POST", CAMPAIGNS, 400, "matches none of your products", field="selection", json=_selection({"skus": ["GLX-1"]})),
    Case("campaign-selection-sku-nested", "key", "POST", CAMPAIGNS, 400, "Not a valid string", field="selection", json=_selection({"skus": [{"$gt": ""}]})),
    Case("campaign-selection-sku-too-long", "key", "POST", CAMPAIGNS, 400, "255 characters", field="selection", json=_selection({"skus": ["x" * 256]})),
    Case("campaign-selection-skus-empty", "key", "POST", CAMPAIGNS, 400, "at least 1", field="selection", json=_selection({"skus": []})),
    Case("campaign-selection-skus-over-the-cap", "key", "POST", CAMPAIGNS, 400, "a campaign takes at most 2", field="selection", json=_selection({"skus": ["MUG-1", "GLX-1", "NOPE-1"]}), settings={"CAMPAIGN_MAX_PRODUCTS": 2}),
    Case("campaign-selection-matches-over-the-cap", "key", "POST", CAMPAIGNS, 400, "matches 2 products; a campaign takes at most 1", field="selection", json=_selection({"all": True}), settings={"CAMPAIGN_MAX_PRODUCTS": 1}, before=_second_product_make),
    Case("campaign-selection-skus-a-megabyte", "key", "POST", CAMPAIGNS, 400, "no more than", field="selection", json=_selection({"skus": [f"S-{i}" for i in range(100_001)]})),
    Case("campaign-selection-category-too-long", "key", "POST", CAMPAIGNS, 400, "200 characters", field="selection", json=_selection({"category": "c" * 201})),
    Case("campaign-selection-tag-blank", "key", "POST", CAMPAIGNS, 400, "may not be blank", field="selection", json=_selection({"tag": "   "})),
    Case("campaign-selection-price-negative", "key", "POST", CAMPAIGNS, 400, "price_min", field="selection", json=_selection({"price_min": "-1"})),
    Case("campaign-selection-price-huge", "key", "POST", CAMPAIGNS, 400, "price_max", field="selection", json=_selection({"price_max": "1e400"})),
    Case("campaign-selection-price-nan", "key", "POST", CAMPAIGNS, 400, "price_min", field="selection", json=_selection({"price_min": "NaN"})),
    Case("campaign-selection-prices-swapped", "key", "POST", CAMPAIGNS, 400, "swap them", field="selection", json=_selection({"price_min": "50", "price_max": "5"})),
    Case("campaign-selection-in-stock-not-bool", "key", "POST", CAMPAIGNS, 400, "Must be a valid boolean", field="selection", json=_selection({"in_stock": "maybe"})),
    Case("campaign-selection-changed-since-garbage", "key", "POST", CAMPAIGNS, 400, "Datetime has wrong format", field="selection", json=_selection({"changed_since": "yesterday"})),
    Case("campaign-selection-matches-nothing", "key", "POST", CAMPAIGNS, 400, "matches none of your products", field="selection", json=_selection({"product_type": "Nothing like it"})),
]

TENANCY = [
    Case("tenancy-campaign-read", "key", "GET", THEIRS, 404, NOT_FOUND, before=_campaigns_make),
    Case("tenancy-campaign-estimate", "key", "GET", THEIRS + "/estimate", 404, NOT_FOUND, before=_campaigns_make),
    Case("tenancy-campaign-dry-run", "key", "GET", THEIRS + "/dry-run", 404, NOT_FOUND, before=_campaigns_make),
    Case("tenancy-campaign-renders", "key", "GET", THEIRS + "/renders", 404, NOT_FOUND, before=_campaigns_make),
    Case("tenancy-campaign-launch", "key", "POST", THEIRS + "/launch", 404, NOT_FOUND, before=_campaigns_make),
    Case("tenancy-campaign-cancel", "key", "POST", THEIRS + "/cancel", 404, NOT_FOUND, before=_campaigns_make),
    Case("tenancy-campaign-huge-id", "key", "GET", CAMPAIGNS + "/99999999999999999999", 404, "Not found"),
    Case("role-viewer-launches-campaign", "viewer", "POST", OURS + "/launch", 403, "is viewer: you can look, not change", before=_campaigns_make),
]

QUERIES = [
    Case("query-campaigns-cursor", "key", "GET", CAMPAIGNS + "?cursor=x", 400, BAD_CURSOR, field="cursor"),
    Case("query-campaigns-limit", "key", "GET", CAMPAIGNS + "?limit=-1", 400, WHOLE_NUMBER, field="limit"),
    Case("query-campaigns-status", "key", "GET", CAMPAIGNS + "?status=%3Cscript%3E", 400, "is not one of draft", field="status"),
    Case("query-campaign-dry-run-limit", "key", "GET", OURS + "/dry-run?limit=99999999999999999999", 400, WHOLE_NUMBER, field="limit", before=_campaigns_make),
    Case("query-campaign-dry-run-limit-zero", "key", "GET", OURS + "/dry-run?limit=0", 400, WHOLE_NUMBER, field="limit", before=_campaigns_make),
    Case("query-campaign-renders-cursor", "key", "GET", OURS + "/renders?cursor=x", 400, BAD_CURSOR, field="cursor", before=_campaigns_make),
    Case("query-campaign-renders-limit", "key", "GET", OURS + "/renders?limit=abc", 400, WHOLE_NUMBER, field="limit", before=_campaigns_make),
    Case("query-campaign-renders-status", "key", "GET", OURS + "/renders?status=all", 400, "is not one of queued", field="status", before=_campaigns_make),
    Case("query-campaign-renders-their-sku", "key", "GET", OURS + "/renders?sku=GLX-1", 200, EMPTY_PAGE, field="sku", before=_campaigns_make),
    Case("query-campaign-renders-sku-huge", "key", "GET", OURS + "/renders?sku=" + "x" * 5000, 200, EMPTY_PAGE, field="sku", before=_campaigns_make),
    Case("query-renders-campaign-negative", "key", "GET", "/api/v1/renders?campaign=-3", 400, "Must be a campaign id", field="campaign"),
    Case("query-renders-campaign-huge", "key", "GET", "/api/v1/renders?campaign=99999999999999999999", 400, "Must be a campaign id", field="campaign"),
    Case("query-renders-their-campaign", "key", "GET", "/api/v1/renders?campaign={globex_campaign_id}", 200, EMPTY_PAGE, field="campaign", before=_campaigns_make),
]
# fmt: on

CAMPAIGN_CASES = CREATE + SELECTION + TENANCY + QUERIES
