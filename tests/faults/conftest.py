from __future__ import annotations

from pathlib import Path

import pytest

from tests.deploy.stack import collect_static


@pytest.fixture(scope="session")
def static_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Static files collected once for every stack a test starts (the image has them built in)."""
    root = tmp_path_factory.mktemp("static")
    collect_static(root)
    return root
