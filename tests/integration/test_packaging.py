"""The built wheel carries its data and works outside the checkout (pypa/build's self-test).

The wheel is built offline (--no-build-isolation, the environment's own setuptools), installed
into a fresh virtual environment without its dependencies (a .pth file lends it this
environment's site-packages for those), and run from an empty folder.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from bot.understanding.language import SUPPORTED

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ("pyproject.toml", "README.md", "bot", "knowledge", "locales")


def call(*args: str | Path, cwd: Path | None = None,
         env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=300, check=False)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build the wheel from a clean copy of the sources (the checkout stays untouched)."""
    work = tmp_path_factory.mktemp("build")
    source = work / "src"
    source.mkdir()
    for name in SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, source / name,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copyfile(ROOT / name, source / name)
    built = call(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                 "--no-index", "-w", work / "dist", source)
    assert built.returncode == 0, built.stdout + built.stderr
    (found,) = (work / "dist").glob("*.whl")
    return found


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with the wheel; returns its bin folder."""
    venv = tmp_path_factory.mktemp("venv")
    made = call(sys.executable, "-m", "venv", "--without-pip", venv)
    assert made.returncode == 0, made.stderr
    python = venv / "bin" / "python"
    done = call(sys.executable, "-m", "pip", "--python", python, "install", "--no-deps",
                "--no-index", wheel)
    assert done.returncode == 0, done.stdout + done.stderr
    site = Path(call(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])")
                .stdout.strip())
    # Dependencies from this environment, after the venv's own packages on sys.path; its
    # .pth files (this checkout's editable install) are not run from a path added this way.
    paths = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (site / "borrowed-dependencies.pth").write_text("\n".join(sorted(paths)) + "\n")
    return venv / "bin"


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("WELCOME_BOT_", "PYTHON", "VIRTUAL_ENV"))}
    return {**env, **extra}


def test_wheel_contains_the_catalogs_and_the_knowledge_base(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for lang in SUPPORTED:
        assert f"bot/shipped/locales/{lang}/LC_MESSAGES/messages.po" in names
    knowledge = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "knowledge").rglob("*")
                       if p.is_file() and p.suffix in {".yaml", ".md"})
    assert "knowledge/README.md" in knowledge and len(knowledge) > 30
    for name in knowledge:
        assert f"bot/shipped/{name}" in names
    modules = [str(p.relative_to(ROOT)) for p in (ROOT / "bot").rglob("*.py")]
    assert "bot/shipped/__init__.py" in modules
    assert [m for m in modules if m not in names] == []  # no subpackage left out
    assert not [n for n in names if n.startswith(("tests/", "knowledge/", "locales/"))]


def test_installed_bot_answers_from_an_empty_folder(installed: Path, tmp_path: Path) -> None:
    where = call(installed / "python", "-c", "import bot; print(bot.__file__)",
                 cwd=tmp_path, env=clean_env())
    assert where.stdout.startswith(str(installed.parent)), where.stdout + where.stderr
    asked = call(installed / "welcome-bot", "ask", "--json", "wo melde ich meine wohnung an",
                 cwd=tmp_path, env=clean_env())
    assert asked.returncode == 0, asked.stderr
    answer = json.loads(asked.stdout)
    assert answer["decision"] == "answer" and answer["entry"] == "registration"
    assert answer["lang"] == "de" and "Bürgerservice" in answer["answer"]
    assert list(tmp_path.iterdir()) == []  # it wrote nothing where it ran


def test_installed_init_gives_staff_a_folder_to_edit(installed: Path, tmp_path: Path) -> None:
    made = call(installed / "welcome-bot", "init", "kb", cwd=tmp_path, env=clean_env())
    assert made.returncode == 0, made.stderr
    assert f"export WELCOME_BOT_KNOWLEDGE_DIR={tmp_path / 'kb'}" in made.stdout
    assert (tmp_path / "kb" / "README.md").is_file()
    assert (tmp_path / "kb" / "entries" / "registration.yaml").is_file()
    env = clean_env(WELCOME_BOT_KNOWLEDGE_DIR=str(tmp_path / "kb"))
    checked = call(installed / "welcome-bot", "check", cwd=tmp_path, env=env)
    assert checked.returncode == 0 and "OK:" in checked.stdout, checked.stdout
    again = call(installed / "welcome-bot", "init", "kb", cwd=tmp_path, env=clean_env())
    assert again.returncode == 2 and "not empty" in again.stderr
