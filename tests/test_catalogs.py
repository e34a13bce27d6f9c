"""No installation loses Chinese: the package build compiles the catalogs, start-up compiles
a missing or stale one, and production refuses to start without the default locale's."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from panel_service import catalogs, create_app
from panel_service.config import Config, ConfigError

ROOT = Path(__file__).resolve().parent.parent
STRONG = "k" * 48
LOGIN_H1 = """
import re
from panel_service import create_app
from panel_service.config import Config
app = create_app(Config.from_env({}, ENV="testing", TESTING=True,
                                 DATABASE_URL="sqlite:///" + "%s"))
html = app.test_client().get("/login").get_data(as_text=True)
print(re.search(r"<h1>(.*?)</h1>", html).group(1))
"""


def _checkout(tmp_path: Path) -> Path:
    """A copy of the project as git has it: catalogs' .po files, no compiled .mo."""
    copy = tmp_path / "checkout"
    ignore = shutil.ignore_patterns("*.mo", "__pycache__", "*.egg-info")
    for name in ("panel_service", "templates", "static"):
        shutil.copytree(ROOT / name, copy / name, ignore=ignore)
    for name in ("pyproject.toml", "setup.py", "README.md"):
        if (ROOT / name).exists():
            shutil.copy2(ROOT / name, copy / name)
    assert not list(copy.rglob("*.mo"))
    return copy


def _run(args, cwd: Path, **env) -> subprocess.CompletedProcess:
    environ = {**os.environ, "PYTHONPATH": str(cwd), **env}
    environ.pop("PANEL_DATABASE_URL", None)
    return subprocess.run(
        args, cwd=cwd, env=environ, capture_output=True, text=True, timeout=120, check=False
    )


def test_a_checkout_installed_without_pybabel_compile_still_serves_chinese(tmp_path):
    """`pip install -e .` and no `pybabel compile`: the first start compiles the catalogs."""
    copy = _checkout(tmp_path)
    result = _run([sys.executable, "-c", LOGIN_H1 % (tmp_path / "p.db")], cwd=copy)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "登录"
    assert (copy / "panel_service/translations/zh/LC_MESSAGES/messages.mo").exists()


def test_the_package_build_compiles_the_catalogs_into_the_wheel(tmp_path):
    copy = _checkout(tmp_path)
    out = tmp_path / "dist"
    built = _run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(out), str(copy)],  # fmt: skip
        cwd=tmp_path,
    )
    assert built.returncode == 0, built.stderr
    (wheel,) = out.glob("panel_service-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for lang in ("zh", "en"):
        assert f"panel_service/translations/{lang}/LC_MESSAGES/messages.mo" in names
        assert f"panel_service/translations/{lang}/LC_MESSAGES/messages.po" in names


def test_an_editable_build_compiles_the_catalogs_in_place(tmp_path):
    """What `pip install -e .` runs (PEP 660): the tree it links to gets its .mo files."""
    copy = _checkout(tmp_path)
    built = _run(
        [sys.executable, "-c",
         f"from setuptools import build_meta; build_meta.build_editable({str(tmp_path)!r})"],
        cwd=copy,
    )  # fmt: skip
    assert built.returncode == 0, built.stderr
    assert (copy / "panel_service/translations/zh/LC_MESSAGES/messages.mo").exists()


@pytest.fixture
def translations(tmp_path, monkeypatch):
    """The app's catalogs from a copy of the .po files only, as a checkout has them."""
    root = tmp_path / "translations"
    shutil.copytree(ROOT / "panel_service" / "translations", root,
                    ignore=shutil.ignore_patterns("*.mo"))  # fmt: skip
    monkeypatch.setattr(catalogs, "TRANSLATIONS", root)
    return root


def _production(tmp_path, signing_key: str) -> Config:
    return Config.from_env(
        {
            "PANEL_AUDIT_SIGNING_KEY_FILE": signing_key,
            "PANEL_ENV": "production",
            "PANEL_SECRET_KEY": STRONG,
            "PANEL_DATABASE_URL": f"sqlite:///{tmp_path / 'p.db'}",
            "PANEL_RATELIMIT_STORAGE_URL": "redis://127.0.0.1:6379/15",
        }
    )


def test_start_up_compiles_a_missing_or_stale_catalog(tmp_path, translations, signing_key_file):
    app = create_app(_production(tmp_path, signing_key_file))
    mo = translations / "zh" / "LC_MESSAGES" / "messages.mo"
    assert mo.exists()
    with app.test_request_context("/login"):
        assert "登录" in app.test_client().get("/login").get_data(as_text=True)
    app.extensions["panel_engine"].dispose()
    # Older than its .po (whose time is the checkout's, copied): the .po changed since.
    old = (translations / "zh" / "LC_MESSAGES" / "messages.po").stat().st_mtime - 3600
    os.utime(mo, (old, old))
    app = create_app(_production(tmp_path, signing_key_file))
    assert mo.stat().st_mtime > old + 60
    app.extensions["panel_engine"].dispose()


def test_production_refuses_to_start_without_the_chinese_catalog(
    tmp_path, translations, monkeypatch, signing_key_file
):
    """A read-only install that cannot compile it: a clear refusal, not English pages."""

    def read_only(po):
        raise PermissionError(13, "Read-only file system", str(po.with_suffix(".mo")))

    monkeypatch.setattr(catalogs, "compile_catalog", read_only)
    with pytest.raises(ConfigError, match=r"message catalog for zh .*pybabel compile"):
        create_app(_production(tmp_path, signing_key_file))


def test_development_starts_without_a_catalog_it_cannot_compile(
    tmp_path, translations, monkeypatch, caplog
):
    monkeypatch.setattr(catalogs, "compile_catalog", lambda po: (_ for _ in ()).throw(OSError()))
    config = Config.from_env({}, ENV="testing", DATABASE_URL=f"sqlite:///{tmp_path / 'd.db'}")
    app = create_app(config)
    assert "message catalog" in caplog.text
    app.extensions["panel_engine"].dispose()
