"""The DiT engine: diffusers image-to-video families (LTX-Video, Wan, CogVideoX) on GPU workers.

Only loading.py and engine.py import torch/diffusers, and only when a shot runs: the web process and the
Celery parent process import nothing heavy from here.
"""
