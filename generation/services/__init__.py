"""Writes of the generation app, one job per module; callers import the module they need.

render_jobs.py      a render job and its shots created in one transaction, the shot tasks sent on commit
job_states.py       a job failed, cancelled, advanced by its shots; the reaper for work whose worker is gone
payloads.py         a render as the API and webhooks show it, and the render.* events
video_templates.py  a merchant's own templates: copy, create, edit (a changed spec bumps the version), delete
scene_prompts.py    a template's scene prompts rendered for one SKU (for a job, and as a preview)
"""
