"""Thin Celery tasks for campaigns: ids in, a service call."""

from celery import shared_task

from generation.campaigns.scheduler import campaign_advance as advance_service
from generation.campaigns.scheduler import campaigns_advance_all


@shared_task
def campaign_advance(campaign_id: int) -> int:
    return advance_service(campaign_id=campaign_id)


@shared_task
def campaigns_advance() -> dict:
    return campaigns_advance_all()
