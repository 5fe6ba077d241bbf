"""The package's layers, as its imports show them.

Read from the source (every import statement, including those inside functions and under
TYPE_CHECKING), and from fresh interpreters: what importing a layer loads.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "reward_service"
Graph = dict[str, set[str]]


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> set[str]:
    """Absolute names of everything `path` imports (modules, or names inside them)."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            found.add(module)
            found |= {f"{module}.{alias.name}" for alias in node.names}
    return found


def internal_graph() -> Graph:
    """Module -> the package's modules it imports (a name inside a module counts as that module)."""
    modules = {module_name(path): path for path in PACKAGE.rglob("*.py")}
    graph: Graph = {}
    for name, path in modules.items():
        targets = {target for target in imports_of(path) if target in modules and target != name}
        graph[name] = targets
    return graph


def layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "reward_service"


def test_no_import_cycles() -> None:
    graph = internal_graph()
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    cycles: list[list[str]] = []

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for target in sorted(graph[node]):
            if state.get(target) == 1:
                cycles.append([*path[path.index(target) :], target])
            elif target not in state:
                visit(target, [*path, target])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    assert cycles == []


# Which layers each layer may import: the server and the pipeline sit on the service, the
# service on the engine, the model and its result cache (which knows rows and scores only),
# the model on the engine's plan; config and errors are below everything. The cluster layer
# (Ray Serve and Ray Data) runs the server and the pipeline on Ray.
MAY_IMPORT = {
    "cli": {"config", "errors", "pipeline", "server", "service", "model", "training", "cluster"},
    "cluster": {"config", "errors", "service", "engine", "model", "server", "pipeline"},
    "server": {"config", "errors", "service", "engine", "model", "reward_service"},
    "pipeline": {"config", "errors", "service", "engine", "model", "server", "client"},
    "client": {"server", "reward_service"},
    "service": {"config", "errors", "engine", "model", "training", "cache"},
    "cache": {"engine"},
    "training": {"config", "errors", "engine", "model"},
    "model": {"config", "errors", "engine"},
    "engine": {"config", "errors"},
    "config": set(),
    "errors": set(),
    "reward_service": set(),
}


def test_imports_flow_down_the_layers() -> None:
    wrong = sorted(
        f"{module} -> {target}"
        for module, targets in internal_graph().items()
        for target in targets
        if layer(target) != layer(module) and layer(target) not in MAY_IMPORT[layer(module)]
    )
    assert wrong == []


def test_http_lives_in_the_server_only() -> None:
    """fastapi and starlette are imported under server/ only (the CLI starts uvicorn)."""
    outside = sorted(
        module_name(path)
        for path in PACKAGE.rglob("*.py")
        if module_name(path).split(".")[1:2] != ["server"]
        and any(name.split(".")[0] in {"fastapi", "starlette"} for name in imports_of(path))
    )
    assert outside == []


def loaded_by(module: str) -> set[str]:
    """Top-level packages a fresh interpreter has loaded after importing `module`."""
    code = f"import sys, {module}; print(' '.join(sorted({{m.split('.')[0] for m in sys.modules}})))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return set(out.split())


@pytest.mark.parametrize(
    "module",
    [
        "reward_service.engine",
        "reward_service.cache",
        "reward_service.service",
        "reward_service.model.spec",
        "reward_service.client",
    ],
)
def test_light_layers_load_no_torch(module: str) -> None:
    loaded = loaded_by(module)
    assert "reward_service" in loaded  # the probe itself works
    assert not loaded & {"torch", "transformers"}


def test_the_client_loads_no_server() -> None:
    assert not loaded_by("reward_service.client") & {"fastapi", "starlette", "uvicorn", "torch"}
