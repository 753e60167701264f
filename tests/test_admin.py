import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.urls import reverse

from generation.models import JobStatus, RenderJob
from generation.services.render_jobs import render_job_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser(db):
    return get_user_model().objects.create_superuser("root", "root@example.com", "a-long-test-password")


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
    return client


def test_every_admin_list_add_and_change_page_opens(
    admin_client, superuser, merchant, product_with_photos, builtin_templates, sent_tasks, rf
):
    render_job_create(merchant=merchant, template_slug="product-showcase", sku="MUG-1", short_side=64)
    for model, model_admin in admin.site._registry.items():
        opts = model._meta
        changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        assert admin_client.get(changelist).status_code == 200, changelist
        assert admin_client.get(changelist + "?q=a").status_code == 200, changelist
        request = rf.get("/")
        request.user = superuser
        if model_admin.has_add_permission(request):
            assert admin_client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_add")).status_code == 200
        first = model.objects.first()
        if first is not None:
            change = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[first.pk])
            assert admin_client.get(change).status_code == 200, change


def test_admin_action_cancels_unfinished_jobs(
    admin_client, merchant, product_with_photos, builtin_templates, sent_tasks
):
    job = render_job_create(merchant=merchant, template_slug="product-showcase", sku="MUG-1", short_side=64)
    response = admin_client.post(
        reverse("admin:generation_renderjob_changelist"),
        {"action": "cancel_jobs", "_selected_action": [job.pk]},
        follow=True,
    )
    assert "Cancelled 1 job(s)" in response.content.decode()
    job.refresh_from_db()
    assert job.status == JobStatus.CANCELLED and not job.shots.exclude(status=JobStatus.CANCELLED).exists()
    assert RenderJob.objects.count() == 1


def test_healthz(client):
    response = client.get("/healthz", HTTP_HOST="127.0.0.1")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_a_template_spec_is_validated_on_save_naming_scene_and_field_and_edits_bump_the_version(
    admin_client, merchant, builtin_templates
):
    from generation.models import VideoTemplate

    template = VideoTemplate.objects.create(
        merchant=merchant, slug="mine", name="Mine", spec={"scenes": [{"type": "product_shots", "duration": 2}]}
    )
    url = f"/admin/generation/videotemplate/{template.pk}/change/"
    bad = {
        "merchant": merchant.pk,
        "slug": "mine",
        "name": "Mine",
        "version": 1,
        "spec": '{"scenes": [{"type": "product_shots", "duration": 2}, {"type": "features", "duration": 2, '
        '"max_bullets": 9}]}',
    }
    response = admin_client.post(url, bad)
    assert response.status_code == 200
    assert "scene 2 (features): max_bullets must be a whole number from 1 to 5, got 9." in response.content.decode()
    template.refresh_from_db()
    assert len(template.spec["scenes"]) == 1 and template.version == 1  # nothing saved
    good = {**bad, "spec": '{"scenes": [{"type": "product_shots", "duration": 3}]}'}
    assert admin_client.post(url, good).status_code == 302
    template.refresh_from_db()
    assert template.spec["scenes"][0]["duration"] == 3 and template.version == 2


def test_a_builtin_is_copied_to_a_merchant_who_can_then_edit_it(admin_client, merchant, builtin_templates):
    from generation.models import VideoTemplate
    from generation.selectors import video_template_get

    builtin = builtin_templates["beauty-glow"]
    response = admin_client.post(
        "/admin/generation/videotemplate/",
        {"action": "copy_to_merchant", "_selected_action": [builtin.pk], "merchant": merchant.pk, "copy": "Copy"},
    )
    assert response.status_code == 302
    copy = VideoTemplate.objects.get(merchant=merchant, slug="beauty-glow")
    assert copy.spec == builtin.spec and not copy.is_builtin
    assert video_template_get(merchant=merchant, slug="beauty-glow") == copy  # it replaces the built-in for them


def test_templates_are_added_through_the_service_and_built_ins_are_read_only(admin_client, merchant, builtin_templates):
    from generation.models import VideoTemplate

    builtin = builtin_templates["beauty-glow"]
    change = f"/admin/generation/videotemplate/{builtin.pk}/change/"
    response = admin_client.post(change, {"name": "Edited", "description": "", "spec": '{"scenes": []}'})
    assert response.status_code == 403  # synced from generation/presets/ on every migrate: copy it instead
    builtin.refresh_from_db()
    assert builtin.name != "Edited"
    add = "/admin/generation/videotemplate/add/"
    spec = '{"scenes": [{"type": "product_shots", "duration": 2}]}'
    response = admin_client.post(add, {"slug": "mine", "name": "Mine", "description": "", "spec": spec})
    assert "Built-in templates are the files in generation/presets/" in response.content.decode()
    response = admin_client.post(
        add, {"merchant": merchant.pk, "slug": "mine", "name": "Mine", "description": "", "spec": spec}
    )
    assert response.status_code == 302
    assert VideoTemplate.objects.get(merchant=merchant, slug="mine").version == 1
    response = admin_client.post(
        add, {"merchant": merchant.pk, "slug": "mine", "name": "Again", "description": "", "spec": spec}
    )
    assert "You already have a template &#x27;mine&#x27;" in response.content.decode()
