# Multi-stage image: build a wheel-installed virtualenv, then run it as a non-root user.
# The source tree in /srv/fdi-risk comes first on PYTHONPATH, so alembic.ini, migrations/ and seeds/ sit beside app/.
# The container migrates the database (FDI_DATABASE_URL) and then serves on port 8000.
FROM python:3.11-slim AS build
WORKDIR /src
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
COPY pyproject.toml README.md ./
COPY app ./app
RUN pip install --no-cache-dir --upgrade pip && pip install --no-cache-dir .

FROM python:3.11-slim AS runtime
RUN useradd --create-home --uid 10001 fdi
WORKDIR /srv/fdi-risk
COPY --from=build /opt/venv /opt/venv
COPY alembic.ini ./
COPY migrations ./migrations
COPY seeds ./seeds
COPY app ./app
RUN mkdir -p /data && chown fdi:fdi /data
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONPATH=/srv/fdi-risk \
    FDI_DATABASE_URL=sqlite:////data/fdi-risk.db \
    FDI_SEEDS_DIR=/srv/fdi-risk/seeds \
    FDI_HOST=0.0.0.0 \
    FDI_PORT=8000
USER fdi
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s --retries=3 \
    CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/readyz', timeout=2).status == 200 else 1)"
CMD ["sh", "-c", "fdi-risk db upgrade && fdi-risk serve --host \"$FDI_HOST\" --port \"$FDI_PORT\""]
