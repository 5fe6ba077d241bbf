"""The HTTP layer: the FastAPI app (`app`), its routes, middlewares, the HTTP schemas and the
one mapping from domain errors to HTTP status and body (`errors`).

Import its modules directly (`reward_service.server.app`): this package file loads nothing, so
the client can use `reward_service.server.schemas` without the server.
"""
