"""What a new user meets first: the thread count in a container, the torch build the Makefile
picks, and the default model found from an installed wheel run outside the checkout."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path
from typing import Any

import pytest

from reward_service.config import Settings, available_cpus, cpu_quota

ROOT = Path(__file__).resolve().parents[1]
CPU_INDEX = "https://download.pytorch.org/whl/cpu"


# --- threads: the cgroup quota, not the host's cores ------------------------------------------


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_cgroup_v2_quota_caps_the_threads(tmp_path: Path) -> None:
    """`docker run --cpus 2` on a host with more cores: 2 threads, not one per host core."""
    write(tmp_path / "cpu.max", "200000 100000\n")
    assert cpu_quota(tmp_path) == 2.0
    assert available_cpus(tmp_path) == min(2, len(os.sched_getaffinity(0)))
    write(tmp_path / "cpu.max", "150000 100000\n")  # 1.5 CPUs: one thread per whole CPU
    assert available_cpus(tmp_path) == 1
    write(tmp_path / "cpu.max", "50000 100000\n")  # half a CPU still gets a thread
    assert available_cpus(tmp_path) == 1
    write(tmp_path / "cpu.max", "max 100000\n")
    assert cpu_quota(tmp_path) is None
    assert available_cpus(tmp_path) == len(os.sched_getaffinity(0))


def test_cgroup_v1_quota_caps_the_threads(tmp_path: Path) -> None:
    write(tmp_path / "cpu" / "cpu.cfs_quota_us", "100000\n")
    write(tmp_path / "cpu" / "cpu.cfs_period_us", "100000\n")
    assert cpu_quota(tmp_path) == 1.0 and available_cpus(tmp_path) == 1
    write(tmp_path / "cpu" / "cpu.cfs_quota_us", "-1\n")  # no quota
    assert cpu_quota(tmp_path) is None


def test_no_cgroup_files_means_no_quota(tmp_path: Path) -> None:
    assert cpu_quota(tmp_path / "absent") is None
    assert available_cpus(tmp_path / "absent") == len(os.sched_getaffinity(0))


def test_threads_default_reads_the_quota(monkeypatch: pytest.MonkeyPatch) -> None:
    import reward_service.config as config

    monkeypatch.setattr(config, "cpu_quota", lambda root=None: 1.0)
    assert Settings().threads == 1


# --- torch: the CPU build without an NVIDIA GPU -----------------------------------------------


def planned_install(path: str, **variables: str) -> str:
    """The commands `make install` would run on a fresh checkout, with `path` as PATH."""
    args = ["make", "-n", "-B", "install", *(f"{k}={v}" for k, v in variables.items())]
    env = {**os.environ, "PATH": path}
    return subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, check=True).stdout


def torch_line(plan: str) -> str:
    [line] = [line for line in plan.splitlines() if "torch==" in line]
    return line


def test_makefile_takes_the_cpu_build_without_a_gpu(tmp_path: Path) -> None:
    make_dir = str(Path(shutil.which("make") or "/usr/bin/make").parent)
    assert f"--no-deps --index-url {CPU_INDEX}" in torch_line(planned_install(f"{make_dir}:/bin"))
    # With an NVIDIA driver (nvidia-smi on PATH): PyPI's default, the CUDA build.
    fake = tmp_path / "bin" / "nvidia-smi"
    write(fake, "#!/bin/sh\nexit 0\n")
    fake.chmod(0o755)
    line = torch_line(planned_install(f"{fake.parent}:{make_dir}:/bin"))
    assert "--index-url" not in line and "torch==2.13.0" in line
    # Overridable either way.
    custom = torch_line(planned_install(f"{make_dir}:/bin", TORCH_INDEX="https://example.invalid/simple"))
    assert "--index-url https://example.invalid/simple" in custom


# --- the default model from an installed wheel, outside the checkout -------------------------


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out), str(ROOT)],
        check=True,
        capture_output=True,
    )
    [built] = out.glob("reward_service-*.whl")
    return built


def test_the_wheel_carries_the_default_head(wheel: Path) -> None:
    import zipfile

    names = set(zipfile.ZipFile(wheel).namelist())
    for name in ("config.json", "score.safetensors", "reward_config.json", "model.safetensors.index.json"):
        assert f"reward_service/training/default_head/{name}" in names


def test_an_installed_wheel_finds_and_serves_the_default_model_from_anywhere(wheel: Path, tmp_path: Path) -> None:
    """A fresh venv holding only the wheel (its dependencies seen through this venv's
    site-packages), run from an unrelated directory: `prepare` builds the default model and it
    scores, with no file of the checkout involved."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--no-deps", str(wheel)], check=True, capture_output=True
    )
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    # Dependencies from this venv, after the wheel's own site-packages (a plain path: this
    # venv's editable-install hook for reward_service is not loaded).
    (Path(site) / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    code = (
        "import reward_service\n"
        "from reward_service.config import Settings\n"
        "from reward_service.service import load\n"
        "model, path = load(Settings())\n"
        "print(reward_service.__file__); print(path)\n"
        "print(model.scorer.score_ids([model.encoder.encode_many([[{'role': 'user', 'content': 'Hi'},"
        " {'role': 'assistant', 'content': 'Hello!'}]], max_tokens=64)[0].token_ids]).shape)\n"
    )
    done = subprocess.run([str(python), "-c", code], cwd=elsewhere, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    package, model_dir, shape = done.stdout.split("\n")[:3]
    assert Path(package).is_relative_to(venv) and not Path(package).is_relative_to(ROOT)
    assert shape == "torch.Size([1, 5])"
    # The built checkpoint depends on nothing outside the cache: shipped files are copies, and
    # links point inside the cache.
    cache = Path(model_dir).parent
    for entry in Path(model_dir).iterdir():
        if entry.is_symlink():
            assert Path(os.readlink(entry)).is_relative_to(cache), entry
        else:
            assert entry.is_file()


# --- the command line shows our output, not third-party progress bars -------------------------


THIRD_PARTY_QUIET = {"HF_HUB_DISABLE_PROGRESS_BARS", "TQDM_DISABLE", "TRANSFORMERS_VERBOSITY"}


@pytest.mark.parametrize("level", ["info", "debug"])
def test_third_party_progress_bars_only_at_debug(level: str, tmp_path: Path, checkpoint: Any) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text('{"prompt": "Hi", "response": "Hello!"}\n')
    # Start from an environment that leaves third-party bars on, whatever the caller's shell says.
    inherited = {k: v for k, v in os.environ.items() if k not in THIRD_PARTY_QUIET}
    env = {**inherited, "REWARD_SERVICE_LOG_LEVEL": level}
    command = [sys.executable, "-m", "reward_service.cli", "score", str(source), "-o", str(tmp_path / "out.jsonl")]
    done = subprocess.run(
        [*command, "--model", str(checkpoint("llama"))], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert (tmp_path / "out.jsonl").read_text().count("\n") == 1
    assert ("Loading weights" in done.stderr) == (level == "debug"), done.stderr[-2000:]
