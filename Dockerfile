# Ambon 112, production image: one image for the web, worker, beat and migrate services of
# docker-compose.yml. Build: `docker compose build` (or `docker build -t ambon112 .`).
FROM python:3.11-slim

# The source tree in /app is what runs, for every process (manage.py, celery, uvicorn workers):
# templates, static, locale and the reference data in agencies/data live next to the code and
# are not in the wheel. `pip install .` below provides the pinned dependencies.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=ambon112.settings \
    PYTHONPATH=/app

WORKDIR /app

# Dependencies first: this layer is rebuilt only when pyproject.toml or the code changes.
COPY pyproject.toml README.md ./
COPY core ./core
COPY ambon112 ./ambon112
COPY agencies ./agencies
COPY incidents ./incidents
COPY dispatch ./dispatch
COPY hazards ./hazards
COPY reports ./reports
RUN pip install .

COPY . .

# Static files are collected at build time into var/staticfiles (STATIC_ROOT) and served by
# WhiteNoise. The build gets throwaway values that never reach a running container (compose
# sets AMBON112_ENV=production, whose servers refuse a weak SECRET_KEY); nothing connects to this
# REDIS_URL.
RUN SECRET_KEY=build-only-not-secret REDIS_URL=redis://build-only.invalid:6379/0 \
    python manage.py collectstatic --no-input --verbosity 1

# Run as an unprivileged user; the application tree stays owned by root and read-only to it.
RUN useradd --system --uid 10112 --user-group --home-dir /nonexistent --no-create-home ambon112
# Where the signing key's volume is mounted: a new volume takes this owner and mode.
RUN mkdir -m 700 /var/lib/ambon112 && chown ambon112:ambon112 /var/lib/ambon112
USER ambon112

EXPOSE 8000
CMD ["python", "manage.py", "serve", "--host", "0.0.0.0", "--port", "8000"]
