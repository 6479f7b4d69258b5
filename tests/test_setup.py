"""The set-up itself: the ocop script, production settings, docker-compose."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _django(env_overrides: dict, *args: str) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if key not in {"SECRET_KEY", "SECRET_KEY_FILE", "DEBUG"}}
    env.update(env_overrides)
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)


def test_ocop_help_lists_every_subcommand():
    result = subprocess.run([str(ROOT / "ocop"), "help"], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0
    for subcommand in ("up", "test", "shell", "manage", "db start|stop|status|psql", "bench", "help"):
        assert subcommand in result.stdout


def test_ocop_refuses_an_unknown_command_and_says_so():
    result = subprocess.run([str(ROOT / "ocop"), "frobnicate"], capture_output=True, text=True, timeout=30)
    assert result.returncode != 0
    assert "unknown command: frobnicate" in result.stderr


def test_production_mode_refuses_the_development_secret_key():
    result = _django({"DEBUG": "0"}, "check")
    assert result.returncode != 0
    assert "SECRET_KEY is the development key" in result.stderr


def test_production_mode_reads_the_secret_key_from_a_file_and_check_deploy_is_clean(tmp_path):
    key_file = tmp_path / "key"
    key_file.write_text("x" * 30 + "-production-secret-" + "y" * 30)
    result = _django({"DEBUG": "0", "SECRET_KEY_FILE": str(key_file), "ALLOWED_HOSTS": "ocop.example.vn"},
                     "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_a_missing_database_url_is_a_clear_error():
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    env["DEBUG"] = "1"
    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode != 0
    assert "DATABASE_URL is not set" in result.stderr


def test_docker_compose_file_is_valid():
    assert shutil.which("docker-compose"), "./ocop setup installs docker-compose"
    env = dict(os.environ, POSTGRES_PASSWORD="example", SECRET_KEY="example-key")
    result = subprocess.run(["docker-compose", "-f", "docker-compose.yml", "config", "-q"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr


def test_the_dockerfile_installs_from_pyproject_like_ocop_does():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "pip install --no-cache-dir -e ." in dockerfile
    for package in ("gdal-bin", "binutils", "libproj-dev", "gettext", "fonts-dejavu-core"):
        assert package in dockerfile
        assert package in (ROOT / "ocop").read_text()


def test_the_platform_imports_no_package_that_only_development_installs():
    """The Docker image installs ``.`` without the ``dev`` extra: code under apps/ and gis_ocop/ must not need it."""
    import ast
    import tomllib

    from packaging.requirements import Requirement

    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]["dev"]
    modules = {"zxing-cpp": "zxingcpp", "mapbox-vector-tile": "mapbox_vector_tile"}
    names = [Requirement(line).name.lower() for line in extras]
    dev_only = {modules.get(name, name.replace("-", "_")) for name in names}
    found = []
    for path in [*(ROOT / "apps").rglob("*.py"), *(ROOT / "gis_ocop").rglob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            names = ([alias.name for alias in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) and not node.level else [])
            found += [f"{path.relative_to(ROOT)}: {name}" for name in names if name.split(".")[0] in dev_only]
    assert "pyproj" in dev_only and "pytest" in dev_only
    assert found == []
