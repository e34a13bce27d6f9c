"""The package build compiles the message catalogs (see panel_service/catalogs.py), so no
installation serves English for want of a separate `pybabel compile`. Everything else about
the package is in pyproject.toml."""

import importlib.util
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent


def _catalogs():
    # By path: the package's own dependencies (Flask...) need not be installed to build it.
    path = HERE / "panel_service" / "catalogs.py"
    spec = importlib.util.spec_from_file_location("_catalogs", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class BuildWithCatalogs(build_py):
    """build_py, then each .po compiled beside it (in the tree itself for `pip install -e`)."""

    def run(self):
        super().run()
        catalogs = _catalogs()
        source = HERE / "panel_service" / "translations"
        editable = getattr(self, "editable_mode", False)
        target = source if editable else Path(self.build_lib) / "panel_service" / "translations"
        for po in sorted(source.glob("*/LC_MESSAGES/messages.po")):
            catalogs.compile_catalog(po, target / po.relative_to(source).with_suffix(".mo"))


setup(cmdclass={"build_py": BuildWithCatalogs})
