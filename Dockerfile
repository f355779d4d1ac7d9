# syntax=docker/dockerfile:1

# Stage 1: build static/dist: our Sass compiled with GOV.UK Frontend and our scripts and
# images, under fingerprinted names, with gzip and brotli copies.
FROM node:20-bookworm-slim AS assets
WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY scripts/ scripts/
COPY static/src/ static/src/
COPY static/js/ static/js/
COPY static/images/ static/images/
RUN npm run build

# Stage 2: the application, served by gunicorn.
FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    COURSEAPP_ENV=production \
    FLASK_APP=courseapp

# Pango is what WeasyPrint needs to draw certificate PDFs.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 \
    && rm -rf /var/lib/apt/lists/*

RUN useradd --create-home --user-group --uid 10001 courseapp

WORKDIR /app
COPY pyproject.toml README.md ./
COPY courseapp/ courseapp/
COPY migrations/ migrations/
COPY content/ content/
COPY quizzes/ quizzes/
# Only the built static files are served (static/dist is excluded by .dockerignore; the
# built copy comes from stage 1).
COPY --from=assets /build/static/dist/ static/dist/

# Editable on purpose: the app reads content/, quizzes/, static/ and migrations/
# from the project root next to the package, so the package must stay in /app.
# instance/ is only written to when SECRET_KEY or DATABASE_URL is missing.
RUN pip install --no-cache-dir -e . \
    && mkdir -p instance \
    && chown courseapp:courseapp instance

USER courseapp
EXPOSE 8000

# No curl in the slim image. urlopen raises on an error status such as 503, so the check fails.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]

# Apply migrations (and print the first-administrator link if there is no
# administrator yet), then replace the shell with gunicorn so it gets signals.
CMD ["/bin/sh", "-c", "flask setup && exec gunicorn --workers 2 --bind 0.0.0.0:8000 --access-logfile - 'courseapp:create_app()'"]
