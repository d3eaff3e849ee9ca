"""The "what changed" section of the HTML report (`rulebook diff --format html`): every number
shown is the diff's own, every text escaped, and the page is the new result's full report."""

from __future__ import annotations

import re
from pathlib import Path

from test_diff import NEW, OLD, UNITS

from rulebook.cli import main

HOSTILE = "<script>alert(1)</script>"


def _write(tmp_path: Path, units: dict[str, dict[str, object]]) -> tuple[Path, Path, Path]:
    import yaml

    old, new, data = tmp_path / "old.yaml", tmp_path / "new.yaml", tmp_path / "d.yaml"
    old.write_text(OLD, encoding="utf-8")
    new.write_text(NEW, encoding="utf-8")
    data.write_text(yaml.safe_dump({"units": units}, allow_unicode=True), encoding="utf-8")
    return old, new, data


def _cells(html: str, unit: str) -> list[str]:
    row = re.search(rf'<tr><td><a href="#diff-[^"]*">{re.escape(unit)}</a></td>(.*?)</tr>', html)
    assert row is not None, unit
    return re.findall(r"<td[^>]*>([^<]*)</td>", row.group(1))


def test_the_section_shows_each_units_change_and_the_scheme_change(tmp_path: Path) -> None:
    """Worked by hand from test_diff's schemes: 甲 (missed 2, rate 90, praised) had meetings
    10 − 2×2 = 6, rate 9, praise 5: total 20; now 10 − 3×2 = 4, rate capped at 8, extra 1:
    total 13, Δ −7.00. 乙 (missed 0, rate 50, not praised): 10 + 5 = 15 before and after, but it
    is listed: its nodes changed (`extra` added at 0, the bonus removed) and it moved from second
    to first by total. The scheme has no `rankings`, so the table shows no rank columns."""
    old, new, data = _write(tmp_path, UNITS)
    out = tmp_path / "diff.html"
    assert main(["diff", str(old), str(new), str(data), "--format", "html", "-o", str(out)]) == 0
    html = out.read_text(encoding="utf-8")
    assert '<section class="diff" id="diff">' in html
    assert _cells(html, "甲")[:3] == ["20.00", "13.00", "-7.00"]
    assert "per_miss" in html and "value: 2 → 3" in html
    assert _cells(html, "乙") == ["15.00", "15.00", "0.00"]
    assert "work.extra 附加" in html and "bonus.praise 表扬" in html
    assert html.index('id="diff"') < html.rindex('data-unit="甲"')  # before the breakdown
    assert html.rstrip().endswith("</html>")


def test_unit_names_are_escaped_in_the_section(tmp_path: Path) -> None:
    units = {HOSTILE: UNITS["甲"], "乙": UNITS["乙"]}
    old, new, data = _write(tmp_path, units)
    out = tmp_path / "diff.html"
    assert main(["diff", str(old), str(new), str(data), "--format", "html", "-o", str(out)]) == 0
    html = out.read_text(encoding="utf-8")
    assert HOSTILE not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_html_points_lost_offer_what_would_restore_each_item(tmp_path: Path) -> None:
    """`score --format html --restore`: each lost item of each unit carries the text of its
    `rulebook.analysis.restore` answer; 西河村's committee.meetings (12 − 3 × 5 floored at 0)
    is restored by 1 missed meeting or fewer: 12 − 3 × 1 = 9 < 12, so only 0 missed restores
    the full 12 points."""
    import html as html_module

    import rulebook
    from rulebook.analysis import restore
    from rulebook.cli import main as cli_main

    from conftest import VILLAGE, VILLAGE_DATA

    out = tmp_path / "r.html"
    assert (
        cli_main(
            [
                "score",
                str(VILLAGE),
                str(VILLAGE_DATA),
                "--format",
                "html",
                "--restore",
                "-o",
                str(out),
            ]
        )
        == 0
    )
    page = html_module.unescape(out.read_text(encoding="utf-8"))
    scheme = rulebook.load(VILLAGE)
    result = rulebook.evaluate(scheme, rulebook.read_data(VILLAGE_DATA, scheme))
    answers = {r.node: r.render() for r in restore(result, "西河村")}
    assert answers["committee.meetings"] == "restored by meetings_missed 5 → 0 (−5)"
    section = page[page.index('data-unit="西河村" id=') :]
    section = section[: section.index("</section>")]
    for text in answers.values():
        assert f"— {text}" in section
