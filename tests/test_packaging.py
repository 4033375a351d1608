"""An installed wheel finds its templates, static files, guides and migrations."""

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_wheel_carries_templates_guides_and_migrations(tmp_path):
    build = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if build.returncode != 0 and "hatchling" in build.stderr:
        build = subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "wheel",
                "--no-deps",
                "-q",
                "-w",
                str(tmp_path),
                str(ROOT),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
    assert build.returncode == 0, build.stderr
    wheel = next(tmp_path.glob("wol-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "wol/_data/templates/base.html" in names
    assert "wol/_data/static/wol.css" in names
    assert "wol/_data/guides/README.md" in names
    assert "wol/_data/migrations/env.py" in names
    # Installed elsewhere, the app starts and serves a page using those folders.
    target = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(target)
    script = (
        "from wol import create_app; app = create_app({'WOL_ENV': 'testing', "
        "'SQLALCHEMY_DATABASE_URI': 'sqlite://'}); "
        "print(app.template_folder); print(app.config['WOL_GUIDES_DIR']); "
        "print(app.test_client().get('/?lang=en').status_code)"
    )
    run = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin"},
        check=False,
    )
    assert run.returncode == 0, run.stderr
    template_dir, guides_dir, status = run.stdout.split()
    assert template_dir.startswith(str(target)) and guides_dir.startswith(str(target))
    assert status == "200"
