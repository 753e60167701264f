"""The one settings module. Every value comes from the environment through the strict helpers in env.py;
every default runs on one machine with nothing installed (SQLite, a filesystem Celery broker, local media).
See the configuration table in README.md.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from shop_video import queues
from shop_video.env import env_bool, env_float, env_int, env_list, env_mapping, env_str
from shop_video.local_secret import local_secret_key_read
from shop_video.ops.log_config import logging_config
from shop_video.storage_settings import media_storage_settings

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", True)
# `make run`'s web server (deploy/Procfile.dev): DEBUG off (friendly error pages; DEBUG=true make run shows Django's
# debug pages), plain HTTP on the loopback, public media and static files served by Django. Never in production.
LOCAL_SERVER = env_bool("LOCAL_SERVER", False)

_INSECURE_DEV_KEY = "django-insecure-dev-only-key-never-use-in-production-shop-video-0123456789"
# Without SECRET_KEY, a local process uses the key `make run` made in VAR_DIR (shop_video/local_secret.py).
_LOCAL_KEY = local_secret_key_read(var_dir=VAR_DIR) if DEBUG or LOCAL_SERVER else ""
SECRET_KEY = env_str("SECRET_KEY", "") or _LOCAL_KEY or _INSECURE_DEV_KEY
if not DEBUG and (
    SECRET_KEY == _INSECURE_DEV_KEY
    or SECRET_KEY.startswith("django-insecure")
    or len(SECRET_KEY) < 50
    or len(set(SECRET_KEY)) < 5
):
    raise ImproperlyConfigured(
        "DEBUG is off but SECRET_KEY is missing or weak: set SECRET_KEY to a random string of at least 50 "
        "characters, e.g. python -c 'import secrets; print(secrets.token_urlsafe(64))' (on a developer's machine, "
        "python -m shop_video.local_secret keeps one in VAR_DIR, as `make run` does)."
    )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG or LOCAL_SERVER else [])
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("DEBUG is off but ALLOWED_HOSTS is empty: set ALLOWED_HOSTS=videos.example.com.")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework_api_key",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI's files served by us, not a CDN: /api/docs/ works offline
    "shop_video.tenancy",
    "shop_video.api",
    "shop_video.webhooks",
    "catalog",
    "generation",
    "shop_video.live",
    # --- dashboard (server-rendered pages at /app/; htmx for the live parts) ---
    "django_htmx",
    "shop_video.dashboard",
    # --- end dashboard ---
    "axes",  # sign-in throttling (shop_video/login_throttle.py)
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",  # the Content-Security-Policy below, on every page
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",  # dashboard: request.htmx tells a polling partial from a page load
    "axes.middleware.AxesMiddleware",  # sign-in throttling: turns a locked-out sign-in into its 429 page
]

ROOT_URLCONF = "shop_video.urls"
WSGI_APPLICATION = "shop_video.wsgi.application"
ASGI_APPLICATION = "shop_video.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 0, minimum=0))}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # The web process, the worker and the tests' worker subprocess share one file: WAL lets readers run beside
    # a writer, IMMEDIATE transactions take the write lock up front instead of failing mid-transaction.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 30,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # A file, not :memory:, so a Celery worker process started by a test sees the test database.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-db.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Files ----------------------------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "static")))
MEDIA_URL = env_str("MEDIA_URL", "/media/")
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
# Feeds, photos, brand fonts and music, presenter photos, shot clips: never under MEDIA_ROOT (which a web server
# may serve); they reach their merchant only through /files/, which checks who asks (shop_video/media.py).
PRIVATE_MEDIA_ROOT = Path(env_str("PRIVATE_MEDIA_ROOT", str(VAR_DIR / "private")))
if PRIVATE_MEDIA_ROOT.resolve().is_relative_to(MEDIA_ROOT.resolve()):
    raise ImproperlyConfigured(
        f"PRIVATE_MEDIA_ROOT ({PRIVATE_MEDIA_ROOT}) is inside MEDIA_ROOT ({MEDIA_ROOT}), which is public: "
        "set PRIVATE_MEDIA_ROOT to a folder outside it."
    )
# MEDIA_STORAGE unset: the two folders above; s3://BUCKET/PREFIX: a bucket (shop_video/storage_settings.py).
_MEDIA_STORAGE = media_storage_settings(os.environ)
MEDIA_STORAGE_BUCKET = _MEDIA_STORAGE["MEDIA_STORAGE_BUCKET"]
MEDIA_PUBLIC_BASE_URL = _MEDIA_STORAGE["MEDIA_PUBLIC_BASE_URL"]  # a CDN in front of the bucket's public prefix
STORAGES = {
    **_MEDIA_STORAGE["STORAGES"],  # "default" (public: renditions, live chunks) and "private"
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Workers copy what a task reads from a bucket into this bounded folder (shop_video/scratch.py).
WORKER_SCRATCH_DIR = Path(env_str("WORKER_SCRATCH_DIR", str(VAR_DIR / "scratch")))
WORKER_SCRATCH_MAX_GB = env_float("WORKER_SCRATCH_MAX_GB", 20.0, minimum=0.000001)
# Uploaded photos above this are refused before Pillow decodes them (decompression bombs, huge scans).
IMAGE_MAX_BYTES = env_int("IMAGE_MAX_BYTES", 25 * 1024 * 1024, minimum=1024)
IMAGE_MAX_PIXELS = env_int("IMAGE_MAX_PIXELS", 50_000_000, minimum=10_000)
FEED_MAX_BYTES = env_int("FEED_MAX_BYTES", 200 * 1024 * 1024, minimum=1024)

# --- Rendering ------------------------------------------------------------------------------------------
# The short side of every rendition (1080 -> 9:16 is 1080x1920). Jobs may ask for less, never more.
RENDITION_SHORT_SIDE = env_int("RENDITION_SHORT_SIDE", 1080, minimum=64, maximum=2160)
RENDER_FPS = env_int("RENDER_FPS", 30, minimum=1, maximum=60)
RENDER_X264_PRESET = env_str("RENDER_X264_PRESET", "veryfast")  # bench/assembly.py: x264 is most of the cost
RENDER_X264_CRF = env_int("RENDER_X264_CRF", 20, minimum=0, maximum=51)
# Engines by name: the class to load, the Celery queue its shots go to, and whether shots are cheap enough to
# make once per aspect ratio (otherwise once per job, and the other aspect ratios reframe them).
SHOT_ENGINES = {
    # "ai_generated": whether a trained model makes the shots (the AI label and C2PA manifest; docs/provenance.md);
    # an engine that does not say (a plugin) counts as AI-generated.
    "motion": {
        "class": "generation.engines.motion.MotionEngine",
        "queue": queues.CPU,
        "shots_per_aspect_ratio": True,
        "ai_generated": False,
    },
    # One queue per model family (queues.gpu_queue: gpu.ltx, gpu.wan, ...): a GPU worker holds one model and
    # takes only its shots.
    "dit": {"class": "generation.engines.dit.engine.DitEngine", "queue_per_family": True, "ai_generated": True},
    # Talking presenters (generation/presenter, docs/presenters.md): the photo animated from the speech on a CPU,
    # or a speech-synchronised video from the LTX-2 DiT on a GPU worker that holds it.
    "presenter-cpu": {
        "class": "generation.engines.talking_head.TalkingHeadEngine",
        "queue": queues.CPU,
        "shots_per_aspect_ratio": True,
        "ai_generated": False,
    },
    "presenter": {
        "class": "generation.engines.presenter_dit.PresenterDitEngine",
        "queue": queues.GPU_PRESENTER,
        "ai_generated": True,
    },
}
# More engines without a code change: SHOT_ENGINE_PLUGINS=name=package.module.Class@queue,...
for _name, _target in env_mapping("SHOT_ENGINE_PLUGINS", {}).items():
    _class_path, _at, _queue = _target.partition("@")
    if not _at or not _queue:
        raise ImproperlyConfigured(
            f"SHOT_ENGINE_PLUGINS: {_name}={_target} needs a queue, e.g. {_name}={_class_path}@cpu."
        )
    SHOT_ENGINES[_name] = {"class": _class_path, "queue": _queue}
DEFAULT_SHOT_ENGINE = env_str("DEFAULT_SHOT_ENGINE", "motion")
# --- DiT engine (generation/engines/dit; docs/models.md) ---------------------------------------------------
# Local weight directories per family: DIT_MODELS=ltx=/models/ltx-video,wan=/models/wan-i2v. Nothing is ever
# downloaded; a family without a directory fails its shots with a message that says where to put the weights.
# Family names are checked when the apps load (generation/apps.py): the families live in generation/, which
# settings does not import.
DIT_MODELS = env_mapping("DIT_MODELS", {})
DIT_DEFAULT_FAMILY = env_str("DIT_DEFAULT_FAMILY", "ltx")
# Speed options, each measured by bench/dit_gpu.py (docs/benchmarks.md).
DIT_DEVICE = env_str("DIT_DEVICE", "auto")  # auto: cuda when there is one, else cpu
DIT_DTYPE = env_str("DIT_DTYPE", "auto")  # auto: bfloat16 on cuda, float32 on cpu (bf16 is ~100x slower there)
DIT_COMPILE = env_bool("DIT_COMPILE", False)  # torch.compile the transformer (first shot pays the compile)
DIT_CACHE_THRESHOLD = env_float("DIT_CACHE_THRESHOLD", 0.0, minimum=0.0, maximum=1.0)  # FirstBlockCache; 0 = off
DIT_ATTENTION_BACKEND = env_str("DIT_ATTENTION_BACKEND", "")  # e.g. flash, _native_cudnn; empty = diffusers' default
DIT_VAE_TILING = env_bool("DIT_VAE_TILING", False)  # decode in tiles: less memory, a little slower
DIT_CPU_OFFLOAD = env_bool("DIT_CPU_OFFLOAD", False)  # keep idle components in RAM (GPUs under ~24 GB)
# Families a worker process loads when it starts (worker_process_init), so the first shot does not wait.
DIT_PRELOAD = env_list("DIT_PRELOAD", [])
# Quality checks on every DiT shot (0..255 scale): below these a clip is black or frozen.
DIT_MIN_MOTION = env_float("DIT_MIN_MOTION", 0.25, minimum=0.0)
DIT_MIN_LUMA = env_float("DIT_MIN_LUMA", 6.0, minimum=0.0)

# --- Presenters (generation/presenter; docs/presenters.md) ------------------------------------------------
# The engine for presenter scenes when neither the scene nor the job's engine says: presenter-cpu, or presenter
# (GPU). A job rendered with engine=dit uses presenter for its presenter scenes.
PRESENTER_ENGINE = env_str("PRESENTER_ENGINE", "presenter-cpu")
# The LTX-2 weights for the GPU presenter: a local diffusers directory (nothing is downloaded).
PRESENTER_DIT_MODEL = env_str("PRESENTER_DIT_MODEL", "")
PRESENTER_DIT_FOLLOW_VOICE = env_bool("PRESENTER_DIT_FOLLOW_VOICE", False)  # lips follow our TTS (LTX2DFRPipeline)
# Text-to-speech engines by name. espeak is offline and always there; piper needs `pip install .[piper]` and
# voices (.onnx + .onnx.json) in PIPER_VOICES_DIR.
PRESENTER_TTS_ENGINES = {
    "espeak": "generation.presenter.tts_espeak.EspeakTextToSpeech",
    "piper": "generation.presenter.tts_piper.PiperTextToSpeech",
}
PIPER_VOICES_DIR = Path(env_str("PIPER_VOICES_DIR", str(VAR_DIR / "voices")))

# --- Shots (every engine) -----------------------------------------------------------------------------------
# A running shot whose heartbeat is older than this is taken to have lost its worker.
SHOT_LEASE_SECONDS = env_int("SHOT_LEASE_SECONDS", 300, minimum=5)
SHOT_MAX_ATTEMPTS = env_int("SHOT_MAX_ATTEMPTS", 3, minimum=1)

# --- Provenance (generation/provenance; docs/provenance.md) ----------------------------------------------
# Every MP4, poster and preview is signed with a C2PA manifest (Content Credentials) at publish time, on the
# worker that assembles it. The certificate chain (PEM: the signing certificate first, then its CA) and its private
# key are files, never database rows. The defaults are the development chain `manage.py c2pa_dev_certificate`
# writes (make run and the tests call it); a production deployment points these at the merchant's or the
# platform's certificate. A missing or expired certificate stops a worker that assembles at start.
C2PA_SIGN_CERT = Path(env_str("C2PA_SIGN_CERT", str(VAR_DIR / "c2pa" / "dev-chain.pem")))
C2PA_SIGN_KEY = Path(env_str("C2PA_SIGN_KEY", str(VAR_DIR / "c2pa" / "dev-signer.key")))
C2PA_SIGNING_ALG = env_str("C2PA_SIGNING_ALG", "es256")  # es256/384/512 (EC keys) or ps256/384/512 (RSA-PSS)
C2PA_TSA_URL = env_str("C2PA_TSA_URL", "")  # an RFC 3161 timestamp authority; empty: no timestamp
# Who the files say produced them (the producing service in the MP4 metadata and the manifest).
C2PA_PRODUCER = env_str("C2PA_PRODUCER", "shop_video")

# --- Live rooms (shop_video/live): a never-ending HLS stream rotating through pre-rendered product segments ---
LIVE_TEMPLATE = env_str("LIVE_TEMPLATE", "presenter-spotlight")  # the template a new room renders with
LIVE_SHORT_SIDE = env_int("LIVE_SHORT_SIDE", 540, minimum=64, maximum=2160)
LIVE_CHUNK_SECONDS = env_int("LIVE_CHUNK_SECONDS", 2, minimum=1, maximum=10)  # HLS chunk length (keyframe interval)
LIVE_WINDOW_SECONDS = env_float("LIVE_WINDOW_SECONDS", 12.0, minimum=4.0)  # how long a played chunk stays listed
LIVE_LOOKAHEAD_SECONDS = env_float("LIVE_LOOKAHEAD_SECONDS", 2.0, minimum=0.0)  # scheduled before it is published

# --- Celery ---------------------------------------------------------------------------------------------
# "localhost" only keeps kombu from warning that no hostname was given; the folders are what matter.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "filesystem://localhost/")
CELERY_BROKER_DIR = Path(env_str("CELERY_BROKER_DIR", str(VAR_DIR / "celery")))
SHOT_HARD_TIME_LIMIT = env_int("SHOT_HARD_TIME_LIMIT", 3600, minimum=10)
ASSEMBLY_HARD_TIME_LIMIT = env_int("ASSEMBLY_HARD_TIME_LIMIT", 1800, minimum=10)
if CELERY_BROKER_URL.startswith("filesystem://"):
    # The embedded broker (shop_video/embedded_broker.py): one folder of message files shared by the web process
    # and the worker; a file that is not a readable message is moved to quarantine/ and logged, never fatal.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_DIR / "queue"),
        "data_folder_out": str(CELERY_BROKER_DIR / "queue"),
        "control_folder": str(CELERY_BROKER_DIR / "control"),
        "processed_folder": str(CELERY_BROKER_DIR / "processed"),
        "quarantine_folder": str(CELERY_BROKER_DIR / "quarantine"),
        "store_processed": False,
        # How long the worker sleeps when it cannot take a message (queues empty, or every pool slot busy with
        # prefetch 1): kombu's 1 s default caps a busy worker at about one short task per slot per second.
        "polling_interval": env_float("CELERY_BROKER_POLL_SECONDS", 0.1, minimum=0.01, maximum=10.0),
    }
else:
    # Redis re-delivers an unacknowledged message after visibility_timeout: keep it above the longest hard
    # limit so a slow shot is never handed to a second worker while the first is still on it.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": max(SHOT_HARD_TIME_LIMIT, ASSEMBLY_HARD_TIME_LIMIT) + 600,
    }
CELERY_TASK_DEFAULT_QUEUE = queues.DEFAULT  # every queue is named in shop_video/queues.py
CELERY_TASK_IGNORE_RESULT = True  # job state lives in the database, not in a result backend
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BEAT_SCHEDULE = {
    "reap-stale-shots": {"task": "generation.tasks.render_jobs_reap_stale", "schedule": 60.0},
}
CELERY_BEAT_SCHEDULE["idempotency-records-purge"] = {
    "task": "shop_video.api.tasks.idempotency_records_purge_task",
    "schedule": 3600.0,
}
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

# --- The site's address -------------------------------------------------------------------------------------
# The public address of the site, e.g. https://videos.example.com: webhook payloads (sent outside any request)
# carry absolute video URLs with it. Empty: they carry the media path only (/media/...).
SITE_URL = env_str("SITE_URL", "").rstrip("/")

# --- REST framework -------------------------------------------------------------------------------------
# Storefronts send `Authorization: Api-Key <key>`; the dashboard's own calls use the session. Every view acts for
# one merchant (shop_video/api/authentication.py) and every error has one JSON shape (shop_video/api/exceptions.py).
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "shop_video.api.authentication.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # Every view names its role permission (shop_video.api.permissions); one that does not is refused.
    "DEFAULT_PERMISSION_CLASSES": ["shop_video.api.permissions.RoleNotDeclared"],
    "DEFAULT_THROTTLE_CLASSES": ["shop_video.api.throttling.ApiKeyRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"api": env_str("API_RATE", "1200/min")},
    "EXCEPTION_HANDLER": "shop_video.api.exceptions.api_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # JSON with a size, nesting and number-range limit (shop_video/api/parsers.py).
    "DEFAULT_PARSER_CLASSES": [
        "shop_video.api.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "shop_video API",
    "DESCRIPTION": "Catalog imports, products, templates, renders and webhooks for storefronts. See docs/api.md.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "shop_video.api.schema.error_responses_hook",
    ],
}

# --- Signing in, and security (stricter when DEBUG is off) ----------------------------------------------
# Dashboard: members sign in at /accounts/login/ and land on their catalog; signing out returns there.
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard:catalog"
LOGOUT_REDIRECT_URL = "login"
# Sign-in throttling (django-axes, shop_video/login_throttle.py): LOGIN_FAILURE_LIMIT failed sign-ins for one
# account, or from one address, lock that account or address out of the dashboard's and the admin's sign-in for
# LOGIN_LOCKOUT_MINUTES (a failure during the lockout starts it again); a success clears the count. Unlock early:
# `manage.py axes_reset_username <email>` or `axes_reset_ip <address>`. Behind a reverse proxy set
# LOGIN_TRUSTED_PROXIES to how many proxies append to X-Forwarded-For, or every client shares the proxy's address.
AUTHENTICATION_BACKENDS = [
    "shop_video.login_throttle.LoginThrottleBackend",  # first: refuses a locked-out sign-in before any password
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 10, minimum=1)
LOGIN_LOCKOUT_MINUTES = env_int("LOGIN_LOCKOUT_MINUTES", 15, minimum=1)
LOGIN_TRUSTED_PROXIES = env_int("LOGIN_TRUSTED_PROXIES", 0, minimum=0, maximum=5)
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = LOGIN_LOCKOUT_MINUTES / 60  # hours
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # each on its own: the account, and the address
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_CALLABLE = "shop_video.login_throttle.login_username"
AXES_CLIENT_IP_CALLABLE = "shop_video.login_throttle.client_address"
AXES_LOCKOUT_CALLABLE = "shop_video.login_throttle.lockout_response"
AXES_VERBOSE = False  # its start-up banner on every command and worker start says nothing an operator needs
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp) on every page: scripts and styles only from our static files (no inline
# code, no eval), so even a stored file opened on this origin cannot run script against the dashboard.
# Media may live on its own origin (deploy/README.md recommends it): an absolute MEDIA_URL's origin is allowed.
_MEDIA_ORIGIN = [MEDIA_URL.split("/", 3)[0] + "//" + MEDIA_URL.split("/", 3)[2]] if "://" in MEDIA_URL else []
_MEDIA_ORIGIN += _MEDIA_STORAGE["MEDIA_ORIGINS"]  # the bucket's and the CDN's, when media is in a bucket
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'none'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", *_MEDIA_ORIGIN],
        "media-src": ["'self'", "blob:", *_MEDIA_ORIGIN],  # blob: the live player's MediaSource
        "connect-src": ["'self'", *_MEDIA_ORIGIN],
        "worker-src": ["'self'", "blob:"],  # hls.js runs its demuxer in a blob worker
        "font-src": ["'self'"],
        "manifest-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
    },
}
if not DEBUG and not LOCAL_SERVER:  # `make run` serves plain HTTP on the loopback
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    if env_bool("TRUST_X_FORWARDED_PROTO", False):
        # Only behind a proxy that sets this header itself; otherwise a client could claim HTTPS.
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- Logging ----------------------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}

# --- Webhooks (shop_video/webhooks/README.md) -----------------------------------------------------------
# One POST waits this long for an answer; a slower endpoint counts as a failed attempt and is retried.
WEBHOOK_TIMEOUT_SECONDS = env_int("WEBHOOK_TIMEOUT_SECONDS", 10, minimum=1, maximum=60)
# Attempts per delivery (and per re-send) before it is failed. Waits between attempts: 5 s, 30 s, 2 min, 10 min,
# 1 h, 3 h, then 6 h (each +/- 10 % jitter), so the default 8 attempts span about 10 hours.
WEBHOOK_MAX_ATTEMPTS = env_int("WEBHOOK_MAX_ATTEMPTS", 8, minimum=1, maximum=30)
# Pending deliveries whose task message was lost (broker down, worker killed) are sent again by this sweep.
CELERY_BEAT_SCHEDULE["webhook-deliveries-sweep"] = {
    "task": "shop_video.webhooks.tasks.webhook_deliveries_sweep",
    "schedule": 60.0,
}

# --- Live push to RTMP/RTMPS ingests (shop_video/live/README.md, "Pushing to a platform") -----------------
# Stream keys are encrypted with this Fernet key; empty: a key derived from SECRET_KEY (HKDF-SHA256).
LIVE_STREAM_KEY_SECRET = env_str("LIVE_STREAM_KEY_SECRET", "")
# Ingest hosts must be public (the SSRF rules); tests push to an RTMP server on the loopback.
LIVE_PUSH_ALLOW_LOOPBACK = env_bool("LIVE_PUSH_ALLOW_LOOPBACK", False)
LIVE_PUSH_FPS = env_int("LIVE_PUSH_FPS", 30, minimum=10, maximum=60)
LIVE_PUSH_AUDIO_RATE = env_int("LIVE_PUSH_AUDIO_RATE", 48000, minimum=44100, maximum=48000)
if LIVE_PUSH_AUDIO_RATE not in (44100, 48000):
    raise ImproperlyConfigured(f"LIVE_PUSH_AUDIO_RATE is {LIVE_PUSH_AUDIO_RATE}; ingests take 44100 or 48000.")
# A pushing worker renews its lease every third of this; the supervisor sends the push again once it lapses.
LIVE_PUSH_LEASE_SECONDS = env_int("LIVE_PUSH_LEASE_SECONDS", 15, minimum=5, maximum=300)
LIVE_PUSH_BACKOFF_MAX_SECONDS = env_float("LIVE_PUSH_BACKOFF_MAX_SECONDS", 60.0, minimum=1.0)
LIVE_PUSH_X264_PRESET = env_str("LIVE_PUSH_X264_PRESET", "veryfast")
# RTMPS ingests' certificates are checked against ffmpeg's default trust store, or this CA bundle (PEM).
LIVE_PUSH_CA_FILE = env_str("LIVE_PUSH_CA_FILE", "")
CELERY_BEAT_SCHEDULE["live-push-supervise"] = {
    "task": "shop_video.live.push.tasks.live_push_supervise",
    "schedule": 5.0,
}
# --- Operations: probes, metrics, logs, worker liveness and shutdown (shop_video/ops; docs/operations.md) ------
INSTALLED_APPS += ["django_prometheus", "shop_video.ops"]
# ProbeMiddleware first: /healthz, /readyz and /metrics answer before the HTTPS redirect, the host check, sessions
# and CSP (a kubelet or Prometheus calls the pod's address over plain HTTP). Then the request metrics.
MIDDLEWARE = [
    "shop_video.ops.middleware.ProbeMiddleware",
    "shop_video.ops.middleware.RequestMetricsMiddleware",
    *MIDDLEWARE,
]
# Database metrics (django-prometheus): its wrappers of the same backends count queries, errors and their time.
for _alias in DATABASES.values():
    if _alias["ENGINE"] in ("django.db.backends.postgresql", "django.db.backends.sqlite3"):
        _alias["ENGINE"] = _alias["ENGINE"].replace("django.db.backends.", "django_prometheus.db.backends.")
# /metrics on the web: from these networks when not proxied (default: loopback and private ranges, where an
# in-cluster Prometheus scrapes from), or from anywhere with `Authorization: Bearer <METRICS_BEARER_TOKEN>`.
METRICS_ALLOWED_CIDRS = env_list(
    "METRICS_ALLOWED_CIDRS",
    ["127.0.0.0/8", "::1/128", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"],
)
METRICS_BEARER_TOKEN = env_str("METRICS_BEARER_TOKEN", "")
# Each worker serves its own metrics (prometheus_client, multiprocess across its pool) on this port; 0 = none.
WORKER_METRICS_PORT = env_int("WORKER_METRICS_PORT", 9808, minimum=0, maximum=65535)
WORKER_METRICS_ADDR = env_str("WORKER_METRICS_ADDR", "0.0.0.0")
# Worker liveness: the consumer touches this file every WORKER_HEARTBEAT_SECONDS; `python -m
# shop_video.ops.worker_liveness` fails when it is older than WORKER_LIVENESS_MAX_AGE_SECONDS.
WORKER_HEARTBEAT_FILE = Path(env_str("WORKER_HEARTBEAT_FILE", str(VAR_DIR / "worker-heartbeat")))
WORKER_HEARTBEAT_SECONDS = env_float("WORKER_HEARTBEAT_SECONDS", 5.0, minimum=0.1, maximum=300.0)
WORKER_LIVENESS_MAX_AGE_SECONDS = env_float("WORKER_LIVENESS_MAX_AGE_SECONDS", 60.0, minimum=1.0)
# On SIGTERM a worker takes nothing new and, within this, finishes or hands back what it holds (shutdown.py).
WORKER_SHUTDOWN_GRACE_SECONDS = env_float("WORKER_SHUTDOWN_GRACE_SECONDS", 60.0, minimum=1.0, maximum=3600.0)
# Logs: console (readable, `make run`) or json (one object per line, deployments); both carry the task's job
# and merchant and the request's id and merchant.
LOG_FORMAT = env_str("LOG_FORMAT", "console")
LOGGING = logging_config(log_format=LOG_FORMAT, level=env_str("LOG_LEVEL", "INFO"))
# --- GPU workers: a shot's post-processing beside the next shot's denoising (generation/shot_delivery.py) ----------
# Processes that retime, upscale and encode DiT shots while the worker's GPU takes the next one; 0 = in line, as
# before. On a GPU node: the cores left after the worker, e.g. 3-4 per GPU (docs/capacity.md).
SHOT_DELIVERY_WORKERS = env_int("SHOT_DELIVERY_WORKERS", 0, minimum=0, maximum=64)
# Shots handed over and not yet stored, at most (each holds its frames in memory); 0 = workers + 1.
SHOT_DELIVERY_MAX_IN_FLIGHT = env_int("SHOT_DELIVERY_MAX_IN_FLIGHT", 0, minimum=0, maximum=256)
# auto: h264_nvenc when a trial encode works on this machine, else libx264; or name one.
SHOT_DELIVERY_ENCODER = env_str("SHOT_DELIVERY_ENCODER", "auto")
# Where the upscale runs: auto (cuda when torch sees a GPU), cpu, or a torch device such as cuda:0.
SHOT_DELIVERY_DEVICE = env_str("SHOT_DELIVERY_DEVICE", "auto")
if SHOT_DELIVERY_ENCODER not in ("auto", "libx264", "h264_nvenc"):
    raise ImproperlyConfigured(
        f"SHOT_DELIVERY_ENCODER must be auto, libx264 or h264_nvenc, got {SHOT_DELIVERY_ENCODER!r}"
    )
if SHOT_DELIVERY_DEVICE not in ("auto", "cpu") and not SHOT_DELIVERY_DEVICE.startswith("cuda"):
    raise ImproperlyConfigured(f"SHOT_DELIVERY_DEVICE must be auto, cpu or a cuda device, got {SHOT_DELIVERY_DEVICE!r}")

# --- The storefront embed's cache (shop_video/embed_cache.py, shop_video/embed_fast_path.py) -------------------
# A Redis URL turns it on (e.g. redis://127.0.0.1:6379/1): each web process then replays the embed's answers from
# memory while the merchant's token in Redis is unchanged. Empty: every request goes through Django.
EMBED_CACHE_URL = env_str("EMBED_CACHE_URL", "")
# Longest an answer is replayed, a bound for any change that replaces no token (a bulk update outside a service).
EMBED_CACHE_SECONDS = env_int("EMBED_CACHE_SECONDS", 60, minimum=1, maximum=3600)

# --- Campaigns: whole-catalog renders (generation/campaigns; docs/campaigns.md) --------------------------------
INSTALLED_APPS += ["generation.campaigns"]
# Renders are created lazily: a merchant's campaigns hold at most this many queued or running renders at once ...
CAMPAIGN_MERCHANT_IN_FLIGHT = env_int("CAMPAIGN_MERCHANT_IN_FLIGHT", 4, minimum=1, maximum=10_000)
# ... and all campaigns together at most this many, so a one-off render waits behind a bounded batch (about the
# shot workers' slots; docs/campaigns.md, Fair scheduling).
CAMPAIGN_BATCH_IN_FLIGHT = env_int("CAMPAIGN_BATCH_IN_FLIGHT", 16, minimum=1, maximum=100_000)
CAMPAIGN_MAX_PRODUCTS = env_int("CAMPAIGN_MAX_PRODUCTS", 100_000, minimum=1, maximum=1_000_000)
# campaign.progress webhooks at most this often per campaign.
CAMPAIGN_PROGRESS_WEBHOOK_SECONDS = env_int("CAMPAIGN_PROGRESS_WEBHOOK_SECONDS", 60, minimum=1, maximum=86_400)
# Workers per queue for a campaign's finish-time estimate: RENDER_FLEET=cpu=8,render=4,gpu.ltx=2 (absent: 1).
RENDER_FLEET = {queue: int(count) for queue, count in env_mapping("RENDER_FLEET", {}).items()}
# Worker seconds of shots a merchant may use per calendar month (RenderQuota overrides it per merchant); 0: no limit.
RENDER_QUOTA_SECONDS_PER_MONTH = env_int("RENDER_QUOTA_SECONDS_PER_MONTH", 720_000, minimum=0)
CELERY_BEAT_SCHEDULE["campaigns-advance"] = {
    "task": "generation.campaigns.tasks.campaigns_advance",
    "schedule": env_float("CAMPAIGN_SWEEP_SECONDS", 15.0, minimum=0.5, maximum=3600.0),
}
