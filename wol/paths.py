"""Where wol finds its templates, static files, guides and migrations.

In a checkout they sit at the top of the repository; an installed wheel carries them inside the
package under ``wol/_data`` (see pyproject.toml). Both layouts work without configuration.
"""

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


def resource_dir(name: str) -> Path:
    """Return the folder ``name`` (templates, static, guides, migrations) for this install."""
    for candidate in (PACKAGE_DIR / "_data" / name, PACKAGE_DIR.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"wol cannot find its '{name}' folder next to {PACKAGE_DIR}")
