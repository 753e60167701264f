"""Campaigns: one action renders a whole selection of a merchant's catalog, lazily, fairly and within its quota
(docs/campaigns.md)."""
