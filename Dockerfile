FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
COPY pyproject.toml README.md ./
COPY catalogue ./catalogue
COPY platforms ./platforms
COPY api ./api
COPY manage.py gunicorn.conf.py ./
RUN pip install . \
    && DEBUG=false SECRET_KEY=collectstatic-only python manage.py collectstatic --noinput \
    && useradd --system --uid 1000 catalogue
USER catalogue

EXPOSE 8000
# Migrations and the reference data are idempotent, so every start can run them. gunicorn reads
# gunicorn.conf.py (gthread workers, timeouts; WEB_CONCURRENCY sets the number of workers).
CMD ["sh", "-c", "python manage.py migrate --noinput && python manage.py load_reference_data && gunicorn catalogue.wsgi:application"]
