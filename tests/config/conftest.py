import textwrap

import pytest


@pytest.fixture
def write(tmp_path):
    """write("name.yaml", text) -> path. Text is dedented; bytes are written as they are."""

    def write(name, content):
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(textwrap.dedent(content).lstrip("\n"), encoding="utf-8")
        return str(path)

    return write
