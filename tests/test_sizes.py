"""Sizes read the same everywhere: lower-case bytes, then KB, MB and GB to one decimal."""

from __future__ import annotations

import pytest

from bbp.kernel.sizes import format_size


@pytest.mark.parametrize(
    ("size", "shown"),
    [
        (None, "0 bytes"),
        (0, "0 bytes"),
        (1, "1 byte"),
        (1023, "1,023 bytes"),
        (1024, "1.0 KB"),
        (1_258_291, "1.2 MB"),
        (1_048_575, "1.0 MB"),
        (3 * 1024**3, "3.0 GB"),
        (5000 * 1024**4, "5,000.0 TB"),
    ],
)
def test_a_size_reads_naturally(size, shown):
    assert format_size(size) == shown
