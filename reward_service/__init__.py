"""reward_service: score LLM responses with multi-attribute reward models."""

__version__ = "0.1.0"
