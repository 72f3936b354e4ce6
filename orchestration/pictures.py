"""The picture in the EEF report's metadata: children per plan status per LAO over the months, as a
small PNG a data manager looks at instead of reading a table.

One panel per LAO (the largest by children, then the rest together as "others"), one stacked bar
per month end. Thai labels need a font with Thai glyphs; without one the statuses are shown by code
and English name and the picture says so in its caption.
"""

from __future__ import annotations

import base64
import functools
import io
from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import Any

from warehouse.plan_status import lifecycle

TOP_LAOS = 5  # panels for the largest LAOs; the rest share one "others" panel
OTHERS = "others"
DPI = 72  # with the figure size below: 720×432 pixels, a few tens of kB
FIGSIZE = (10.0, 6.0)
THAI_PROBE = "ก"  # a Thai consonant: a font that draws it draws Thai
# Fonts that answer for every character with a placeholder box, not a Thai letter.
PLACEHOLDER_FONTS = ("Last Resort",)
# One colour per status, the same in every month's picture: open cases blue-green, closed ones warm.
COLOURS = {10: "#c6dbef", 20: "#9ecae1", 30: "#6baed6", 40: "#3182bd", 50: "#31a354", 55: "#a1d99b",
           60: "#74c476", 70: "#fdae6b", 80: "#e6550d", 90: "#969696", 25: "#d9d9d9", 99: "#756bb1"}
OTHER_COLOUR = "#000000"  # a code §6 does not know


@functools.cache
def thai_font() -> str | None:
    """The family name of an installed font that has Thai glyphs, or None.

    matplotlib keeps its own list of fonts, made once and cached in the user's folder; a Thai font
    installed after that (e.g. Debian's fonts-thai-tlwg-ttf) is missing from it, so fontconfig is
    asked for the Thai fonts it knows and those are added before giving up."""
    from matplotlib import font_manager

    found = _thai_family(font_manager.fontManager.ttflist)
    if found is None:
        for path in _fontconfig_thai_files():
            try:
                font_manager.fontManager.addfont(path)
            except (OSError, RuntimeError, ValueError):
                continue
        found = _thai_family(font_manager.fontManager.ttflist)
    return found


def _fontconfig_thai_files() -> list[str]:
    """The TrueType files fontconfig lists for Thai (`fc-list :lang=th file`), or none."""
    import shutil
    import subprocess

    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return []
    try:
        done = subprocess.run([fc_list, ":lang=th", "file"], capture_output=True, text=True, timeout=20,
                              check=False)
    except (OSError, subprocess.SubprocessError):
        return []
    files = (line.strip().rstrip(":") for line in done.stdout.splitlines())
    return sorted(f for f in files if f.lower().endswith((".ttf", ".otf")))


def _thai_family(entries: Any) -> str | None:
    from matplotlib.ft2font import FT2Font

    for entry in sorted(entries, key=lambda f: f.name):
        if entry.name.startswith(PLACEHOLDER_FONTS):
            continue
        try:
            if FT2Font(entry.fname).get_char_index(ord(THAI_PROBE)):
                return str(entry.name)
        except (OSError, RuntimeError):
            continue
    return None


@dataclass(frozen=True)
class Picture:
    png: bytes
    caption: str
    thai: bool  # Thai labels drawn (a Thai font was found)

    def markdown(self) -> str:
        """The picture embedded in markdown (a data URI), with its caption beneath."""
        data = base64.b64encode(self.png).decode("ascii")
        return f"![{self.caption}](data:image/png;base64,{data})\n\n{self.caption}"


def panels(counts: dict[date, dict[str, Counter[int]]], *, top: int = TOP_LAOS) -> list[str]:
    """The LAOs shown on their own: the `top` with most children at the last month end."""
    if not counts:
        return []
    last = counts[max(counts)]
    ranked = sorted(last, key=lambda lao: (-sum(last[lao].values()), lao))
    return ranked[:top]


def fold(counts: dict[date, dict[str, Counter[int]]],
         shown: list[str]) -> dict[str, dict[date, Counter[int]]]:
    """{panel: {month end: Counter(status)}}: the shown LAOs, and every other LAO summed as "others"
    (a panel only when there is another LAO)."""
    folded: dict[str, dict[date, Counter[int]]] = {lao: {} for lao in shown}
    others: dict[date, Counter[int]] = {}
    for end, per_lao in sorted(counts.items()):
        for lao in shown:
            folded[lao][end] = Counter(per_lao.get(lao, Counter()))
        others[end] = Counter()
        for lao, c in per_lao.items():
            if lao not in shown:
                others[end].update(c)
    if any(others.values()):
        folded[OTHERS] = others
    return folded


def status_name(code: int, *, thai: bool) -> str:
    known = lifecycle.STATUSES.get(code)
    if known is None:
        return str(code)
    return f"{code} {known.thai}" if thai else f"{code} {known.slug.replace('_', ' ').lower()}"


def _panel_name(lao: str, *, thai: bool) -> str:
    """A panel's title: the LAO's Thai name with its type prefix and code when Thai can be drawn."""
    if lao == OTHERS:
        return "อปท.อื่น ๆ (others)" if thai else "other LAOs"
    from warehouse.report.rows import lao_name

    name = lao_name(lao) if thai else None
    return f"{name} ({lao})" if name else lao


def render(counts: dict[date, dict[str, Counter[int]]], *, title: str, top: int = TOP_LAOS) -> Picture:
    """The picture of `counts` (from warehouse.plan_status.monthly.monthly_counts)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    font = thai_font()
    shown = panels(counts, top=top)
    folded = fold(counts, shown)
    ends = sorted(counts)
    statuses = sorted({s for per_lao in counts.values() for c in per_lao.values() for s in c})
    rc: dict[str, Any] = {"font.size": 8}
    if font:
        rc["font.family"] = [font, "DejaVu Sans"]
    with matplotlib.rc_context(rc):  # type: ignore[arg-type]  # its stub names every key as a literal
        figure = Figure(figsize=FIGSIZE, dpi=DPI)
        columns = 3
        rows = max(1, -(-len(folded) // columns))
        axes = figure.subplots(rows, columns, sharex=True, squeeze=False)
        labels = [f"{e:%Y-%m}" for e in ends]
        for ax, (lao, by_month) in zip(axes.flat, folded.items(), strict=False):
            bottom = [0] * len(ends)
            for status in statuses:
                heights = [by_month.get(e, Counter())[status] for e in ends]
                ax.bar(labels, heights, bottom=bottom, color=COLOURS.get(status, OTHER_COLOUR), width=0.8,
                       label=status_name(status, thai=font is not None))
                bottom = [b + h for b, h in zip(bottom, heights, strict=True)]
            name = _panel_name(lao, thai=font is not None)
            ax.set_title(f"{name}: {bottom[-1] if bottom else 0}")
            ax.tick_params(axis="x", labelrotation=90)
            ax.yaxis.set_major_locator(MaxNLocator(integer=True))  # children come whole
        for ax in list(axes.flat)[len(folded):]:
            ax.set_visible(False)
        if not folded:
            axes.flat[0].set_visible(True)
            axes.flat[0].text(0.5, 0.5, "no plan status yet", ha="center", va="center")
        handles, names = axes.flat[0].get_legend_handles_labels()
        if handles:
            figure.legend(handles, names, loc="outside right center", fontsize=7)
        figure.suptitle(title)
        figure.set_layout_engine("constrained")
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    caption = ("จำนวนเด็กตามสถานะแผนในแต่ละ อปท. ณ สิ้นเดือน (children per plan status per LAO at each "
               "month end)")
    if font is None:
        caption += ("; no Thai font is installed (fc-list :lang=th is empty), so statuses are shown by "
                    "code and English name, LAOs by code")
    return Picture(png=buffer.getvalue(), caption=caption, thai=font is not None)
