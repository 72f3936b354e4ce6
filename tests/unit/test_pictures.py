"""The report's picture: the largest LAOs on their own panels and the rest as "others", a small PNG,
embedded in markdown, and honest about the font it had."""

from __future__ import annotations

import base64
import io
import os
import shutil
from collections import Counter
from datetime import date

import pytest
from PIL import Image

from orchestration.pictures import OTHERS, fold, panels, render, status_name, thai_font

ENDS = [date(2026, 1, 31), date(2026, 2, 28)]


def _counts(laos: int) -> dict[date, dict[str, Counter[int]]]:
    return {end: {f"60000{i:02d}": Counter({10: i + 1, 50: month}) for i in range(laos)}
            for month, end in enumerate(ENDS)}


def test_the_largest_laos_get_panels_and_the_rest_are_summed_as_others() -> None:
    counts = _counts(8)
    shown = panels(counts, top=3)
    assert shown == ["6000007", "6000006", "6000005"]  # most children at the last month end
    folded = fold(counts, shown)
    assert list(folded) == [*shown, OTHERS]
    assert folded[OTHERS][ENDS[1]] == Counter({10: 1 + 2 + 3 + 4 + 5, 50: 5})
    total = sum(sum(c.values()) for c in counts[ENDS[1]].values())
    assert sum(sum(folded[p][ENDS[1]].values()) for p in folded) == total  # nobody lost or counted twice
    assert OTHERS not in fold(_counts(2), panels(_counts(2), top=3))  # no other LAO: no "others" panel


def test_the_picture_is_a_small_png_in_markdown_and_says_which_labels_it_could_draw() -> None:
    picture = render(_counts(12), title="2026-02")
    assert picture.png.startswith(b"\x89PNG\r\n\x1a\n")
    assert len(picture.png) < 150_000
    with Image.open(io.BytesIO(picture.png)) as image:
        assert image.size == (720, 432)
    text = picture.markdown()
    assert text.startswith("![") and "](data:image/png;base64," in text
    embedded = text.split("base64,", 1)[1].split(")", 1)[0]
    assert base64.b64decode(embedded) == picture.png
    assert picture.thai == (thai_font() is not None)
    assert ("no Thai font is installed" in picture.caption) == (thai_font() is None)


def test_status_names_are_thai_with_a_thai_font_and_english_without() -> None:
    assert status_name(50, thai=True) == "50 ดำเนินการตามแผน"
    assert status_name(50, thai=False) == "50 in progress"
    assert status_name(77, thai=False) == "77"


def test_an_empty_warehouse_still_gives_a_picture() -> None:
    picture = render({ENDS[0]: {}}, title="2026-01")
    assert picture.png.startswith(b"\x89PNG")


@pytest.mark.skipif(os.environ.get("CI") != "true" and not shutil.which("fc-list"),
                    reason="fontconfig is not installed here, so no Thai font can be found")
def test_a_thai_font_installed_on_the_machine_is_found_and_the_picture_is_thai() -> None:
    """CI installs Debian's Thai fonts: the picture must then draw Thai labels, even when matplotlib's
    cached font list was made before the fonts were installed."""
    import subprocess

    listed = subprocess.run(["fc-list", ":lang=th", "file"], capture_output=True, text=True).stdout
    if os.environ.get("CI") != "true" and not listed.strip():
        pytest.skip("no Thai font is installed here (CI installs fonts-thai-tlwg-ttf)")
    assert listed.strip(), "CI must install a Thai font (fonts-thai-tlwg-ttf)"
    assert thai_font() is not None


def test_panels_are_titled_by_the_lao_s_thai_name_and_code_when_thai_can_be_drawn() -> None:
    from orchestration.pictures import _panel_name

    assert _panel_name("3830102", thai=True) == "เทศบาลนครภูเก็ต (3830102)"
    assert _panel_name("3830102", thai=False) == "3830102"
    assert _panel_name("0000000", thai=True) == "0000000"  # not in the LAO list: the code alone
    assert _panel_name(OTHERS, thai=True).startswith("อปท.อื่น")
