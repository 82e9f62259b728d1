"""The sample data generator: deterministic, realistic, valid by the specs, with every edge case."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from python_calamine import CalamineWorkbook

from pipeline.demo import PROFILES, DemoError, company, generate, is_generated, office_list, specials_for
from pipeline.excel.fill import fill_form
from pipeline.forms import OFFICE_FORMS, REFERENCE, NotAbove, NotBefore, RequiredWhen, get_form
from pipeline.model import Period

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_data"
SMALL = {"offices": 3, "years": (2025, 2026), "seed": 11}


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo") / "data"
    return generate(out, **SMALL)


@pytest.fixture(scope="module")
def full():
    """The default company as pure rows (what the bundled sample was written from)."""
    return company()


def _cells(path: Path) -> dict[str, list]:
    wb = CalamineWorkbook.from_path(str(path))
    return {name: wb.get_sheet_by_name(name).to_python() for name in wb.sheet_names}


def test_layout(small):
    out = small.out
    periods = [f"{y}Q{q}" for y in (2025, 2026) for q in range(1, 5)]
    assert small.offices == ["BJ01", "SH01", "GZ01"]
    assert small.periods == periods
    expected = {"reference.xlsx"} | {
        f"submissions/{p}/{o}/{f.filename}" for p in periods for o in small.offices for f in OFFICE_FORMS}
    missing = {"submissions/2026Q4/GZ01/training.xlsx", "submissions/2026Q4/GZ01/projects.xlsx"}
    assert sorted(small.not_submitted) == sorted(missing)
    on_disk = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    assert on_disk == expected - missing
    assert set(small.files) == on_disk


def test_same_seed_same_bytes_other_seed_differs(tmp_path):
    one = generate(tmp_path / "one", offices=2, years=(2026,), seed=11)
    two = generate(tmp_path / "two", offices=2, years=(2026,), seed=11)
    assert one.files == two.files and len(one.files) == 1 + 2 * 4 * 4 - 2
    for rel in one.files:
        assert (one.out / rel).read_bytes() == (two.out / rel).read_bytes(), rel
    other = generate(tmp_path / "other", offices=2, years=(2026,), seed=12)
    assert _cells(other.out / "reference.xlsx") != _cells(one.out / "reference.xlsx")
    rel = "submissions/2026Q1/BJ01/clients.xlsx"
    assert _cells(other.out / rel)["客户"] != _cells(one.out / rel)["客户"]


def test_every_workbook_says_what_its_folder_says(small):
    for rel in small.files:
        sheets = _cells(small.out / rel)
        meta = dict((row[0], row[1]) for row in sheets["_meta"])
        if rel == "reference.xlsx":
            assert meta["template_id"] == "reference"
            continue
        _, period, office, filename = rel.split("/")
        assert meta["template_id"] == filename.removesuffix(".xlsx")
        cover = sheets["封面"]
        assert [cover[0][1], cover[1][1]] == [office, period], rel
        assert cover[2][1]  # 填报人
        assert isinstance(cover[3][1], date)


def test_regenerating_removes_stale_files(tmp_path):
    out = tmp_path / "data"
    generate(out, offices=2, years=(2026,), seed=1)
    assert (out / "submissions/2026Q1/SH01/clients.xlsx").exists()
    generate(out, offices=1, years=(2026,), seed=1)
    assert not (out / "submissions/2026Q1/SH01").exists()
    assert (out / "submissions/2026Q1/BJ01/clients.xlsx").exists()


def test_never_overwrites_real_data(tmp_path, small):
    real = tmp_path / "real"
    (real / "submissions/2026Q1/BJ01").mkdir(parents=True)
    load_workbook(ROOT / "input_templates/reference.xlsx").save(real / "reference.xlsx")  # as Excel would
    with pytest.raises(DemoError, match="不是空目录,也不是示例数据目录"):
        generate(real, offices=1, years=(2026,))
    assert is_generated(small.out / "reference.xlsx")
    assert not is_generated(real / "reference.xlsx")
    result = _cli("demo", "--out", str(real), "--offices", "1", "--years", "2026")
    assert result.returncode == 2 and result.stderr.startswith("无法生成示例数据")
    assert not (real / "submissions/2026Q1/BJ01/clients.xlsx").exists()


# --- the rows obey the specs (so `validate` finds no errors) ----------------------------------


def _value_ok(field, value) -> bool:
    t = field.type
    if t.kind == "text":
        return isinstance(value, str) and 0 < len(value) <= t.max_length
    if t.kind == "choice":
        return value in t.choices
    if t.kind == "date":
        return isinstance(value, date) and 2000 <= value.year <= 2100
    if t.kind == "integer" and (not isinstance(value, int) or isinstance(value, bool)):
        return False
    if not isinstance(value, int | float):
        return False
    low_ok = t.min is None or (value > t.min if getattr(t, "min_exclusive", False) else value >= t.min)
    return low_ok and (t.max is None or value <= t.max)


def _problems(sheet, rows) -> list[str]:
    problems, seen = [], {}
    for number, row in enumerate(rows, start=2):
        for field in sheet.fields:
            value = row.get(field.key)
            if value is None:
                if field.required:
                    problems.append(f"{sheet.name} row {number}: {field.label} blank")
            elif not _value_ok(field, value):
                problems.append(f"{sheet.name} row {number}: {field.label}={value!r}")
            if field.unique and value is not None:
                if (field.key, value) in seen:
                    problems.append(f"{sheet.name} row {number}: duplicate {value}")
                seen[(field.key, value)] = number
        for rule in sheet.rules:
            a = row.get(rule.field)
            if isinstance(rule, NotBefore) and a is not None and row.get(rule.other) is not None:
                ok = a >= row[rule.other]
            elif isinstance(rule, NotAbove) and a is not None and row.get(rule.other) is not None:
                ok = a <= row[rule.other]
            elif isinstance(rule, RequiredWhen):
                ok = row.get(rule.when) != rule.value or a is not None
            else:
                ok = True
            if not ok:
                problems.append(f"{sheet.name} row {number}: {rule.describe(sheet)}")
    return problems


def test_every_row_obeys_the_form_specs(full):
    problems = []
    ref = {"offices": [d.office for d in full], "targets": [t for d in full for t in d.targets]}
    for sheet in REFERENCE.sheets:
        problems += _problems(sheet, ref[sheet.key])
    for d in full:
        for period, forms in d.forms.items():
            for form_id, tables in forms.items():
                for sheet in get_form(form_id).sheets:
                    problems += [f"{d.office['office_id']} {period} {p}" for p in _problems(sheet, tables[sheet.key])]
    assert problems == []


def test_cross_file_and_date_sanity(full):
    for d in full:
        for key, forms in d.forms.items():
            period = Period.parse(key)
            client_ids = {c["client_id"] for c in forms["clients"]["clients"]}
            for p in forms.get("projects", {}).get("projects", []):
                assert p["client_id"] in client_ids, (key, p["project_id"])
                assert p["start_date"] <= period.end
                assert p["actual_end"] is None or p["actual_end"] <= period.end
            for m in forms["recruitment"]["roster"]:
                assert m["join_date"] <= period.end
                # a member who left before the quarter would be a warning: the roster never carries one
                assert m["leave_date"] is None or period.start <= m["leave_date"] <= period.end
                assert (m["leave_reason"] is None) == (m["leave_date"] is None)
            for t in forms.get("training", {}).get("trainings", []):
                assert period.start <= t["planned_date"] <= period.end
                if t["actual_date"]:
                    assert period.start <= t["actual_date"] <= period.end
            assert d.covers[key]["filled_on"] > period.end


def test_row_counts_are_modest(full):
    for d in full:
        for forms in d.forms.values():
            assert 8 <= len(forms["recruitment"]["roster"]) <= 30
            assert 10 <= len(forms["clients"]["clients"]) <= 40
            assert len(forms.get("projects", {"projects": [1, 2, 3]})["projects"]) in range(3, 11)
            assert len(forms.get("training", {"trainings": []})["trainings"]) in (0, *range(3, 9))


def test_roster_is_carried_forward(full):
    for d in full:
        periods = sorted(d.forms)
        for before, after in zip(periods, periods[1:]):
            prev = {m["employee_id"]: m for m in d.forms[before]["recruitment"]["roster"]}
            for m in d.forms[after]["recruitment"]["roster"]:
                if m["employee_id"] in prev:
                    assert prev[m["employee_id"]]["leave_date"] is None
                    assert prev[m["employee_id"]]["join_date"] == m["join_date"]
                else:
                    assert m["join_date"] >= Period.parse(after).start
            stayed = {m["employee_id"] for m in d.forms[after]["recruitment"]["roster"]}
            assert {e for e, m in prev.items() if m["leave_date"] is None} <= stayed


# --- the edge cases SPEC §5–6 needs ------------------------------------------------------------


def test_special_cases_present_at_small_n(small):
    sp = small.specials
    out = small.out / "submissions"
    assert (sp.nobody_rated, sp.no_trainings, sp.no_survey, sp.no_market_size) == ("2025Q2", "2025Q3", "2026Q1", "2026Q2")
    roster = _cells(out / "2025Q2/SH01/recruitment.xlsx")["团队名册"]
    assert {row[6] for row in roster[1:]} == {"未考核"}
    assert len(_cells(out / "2025Q3/SH01/training.xlsx")["培训计划"]) == 1  # header only
    clients = _cells(out / "2026Q1/SH01/clients.xlsx")["客户"]
    assert len(clients) > 10 and {row[8] for row in clients[1:]} == {""}
    # someone leaves on the last day of 2025Q1, someone joins on the first day of 2025Q2
    q1 = load_workbook(out / "2025Q1/SH01/recruitment.xlsx")["团队名册"]
    assert date(2025, 3, 31) in [c.value.date() for c in q1["E"][1:] if c.value]
    q2 = load_workbook(out / "2025Q2/SH01/recruitment.xlsx")["团队名册"]
    assert date(2025, 4, 1) in [c.value.date() for c in q2["D"][1:]]
    statuses = [row[8] for row in _cells(out / "2025Q1/GZ01/training.xlsx")["培训计划"][1:]]
    assert "已取消" in statuses


def test_reference_targets(small):
    ref = _cells(small.out / "reference.xlsx")
    offices = ref["业务所"][1:]
    assert [r[0] for r in offices] == ["BJ01", "SH01", "GZ01"]
    assert [r[1] for r in offices] == ["北京一所", "上海一所", "广州一所"]
    assert all(r[2] and r[3] and r[4] >= 20000 for r in offices)
    targets = ref["季度目标"][1:]
    assert len(targets) == 3 * 8
    by_year = {y: [r for r in targets if r[0] == y] for y in (2025, 2026)}
    assert all(isinstance(r[4], float) and r[4] > 0 for r in by_year[2025])  # 上年同期销售额 from HR
    assert all(r[4] == "" for r in by_year[2026])  # blank: growth uses last year's submissions
    blank_market = [(r[0], r[1], r[2]) for r in targets if r[5] == ""]
    assert blank_market == [(2026, "Q2", "SH01")]


def test_a_blank_satisfaction_and_cancelled_training_in_the_bundled_sample():
    clients = _cells(SAMPLE / "submissions/2025Q1/BJ01/clients.xlsx")["客户"]
    assert "" in [row[8] for row in clients[1:]]
    assert not (SAMPLE / "submissions/2026Q4/SU01/training.xlsx").exists()
    assert not (SAMPLE / "submissions/2026Q4/SU01/projects.xlsx").exists()
    assert (SAMPLE / "submissions/2026Q4/SU01/clients.xlsx").exists()
    assert len(list(SAMPLE.glob("submissions/*/*/*.xlsx"))) == 12 * 8 * 4 - 2


def test_profiles_give_every_grade_band(full):
    profiles = [d.profile for d in full]
    assert profiles.count("strong") == 3 and profiles.count("weak") == 2
    weak = PROFILES["weak"]
    assert weak.attainment[1] < 0.6  # 不合格 needs attainment < 0.6
    assert PROFILES["strong"].attainment[0] >= 1.1


@pytest.mark.parametrize("n", [1, 2, 3, 5, 12, 13, 40])
def test_specials_placed_for_any_number_of_offices(n):
    periods = [Period(2026, q) for q in range(1, 5)]
    sp = specials_for(n, periods)
    profiles = [d.profile for d in company(n, (2026,), 7)] if n <= 13 else None
    assert sp.edge_office == (1 if n > 1 else 0)
    assert 0 <= sp.missing_office < n
    if profiles and n > 1:
        # a missing form makes the year incomplete: it must not cost a strong office its honours
        assert profiles[sp.missing_office] != "strong"
        assert profiles[sp.edge_office] != "strong"


def test_office_ids_stay_unique_beyond_twelve():
    offices = office_list(30, 7)
    assert len({o["office_id"] for o in offices}) == 30
    assert offices[12]["office_id"] == "BJ02" and offices[12]["office_name"] == "北京二所"


def test_bundled_sample_is_what_the_generator_writes(full, tmp_path):
    """sample_data/ must be regenerated (`invoke demo`) whenever the generator changes."""
    ref = fill_form(REFERENCE, tmp_path / "reference.xlsx",
                    rows={"offices": [d.office for d in full], "targets": [t for d in full for t in d.targets]})
    assert ref.read_bytes() == (SAMPLE / "reference.xlsx").read_bytes()
    for d in (full[0], full[5], full[-1]):
        oid = d.office["office_id"]
        for period in ("2025Q1", "2026Q3"):
            for form in OFFICE_FORMS:
                mine = fill_form(form, tmp_path / period / oid / form.filename, cover=d.covers[period],
                                 rows=d.forms[period][form.id])
                assert mine.read_bytes() == (SAMPLE / "submissions" / period / oid / form.filename).read_bytes()


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipeline", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)


def test_cli(tmp_path):
    result = _cli("demo", "--out", str(tmp_path / "d"), "--offices", "1", "--years", "2026", "--seed", "3")
    assert result.returncode == 0, result.stderr
    assert "已写入 15 个工作簿" in result.stdout
    assert len(list((tmp_path / "d").rglob("*.xlsx"))) == 15


@pytest.mark.parametrize("args", [["--offices", "0"], ["--years", "1999"], ["--years", "2026", "2026"]])
def test_cli_rejects_bad_arguments(tmp_path, args):
    result = _cli("demo", "--out", str(tmp_path / "d"), *args)
    assert result.returncode == 2
    assert result.stderr.startswith("参数错误") and "Traceback" not in result.stderr
    assert not (tmp_path / "d").exists()


def test_small_demo_validates_and_scores_every_grade_band(small):
    """End to end on the small demo: no validation errors, and the profiles give the designed grades."""
    from pipeline.assess import assess
    from pipeline.policy import load_policy
    from pipeline.validation import validate_dir

    dataset = validate_dir(small.out, workers=1)
    assert [f.display() for f in dataset.findings if f.severity == "error"] == []
    assert sorted(f.code for f in dataset.findings if f.severity == "warning") == ["submission-missing"] * 2
    results = assess(dataset, load_policy())
    cards = {(c.period, c.office_id): c for c in results.scorecards}
    for year in ("2025", "2026"):
        assert cards[(year, "BJ01")].grade == "优秀"  # strong
        assert "年终特别奖励" in " ".join(cards[(year, "BJ01")].honours)
    assert cards[("2026", "BJ01")].block_scores and "晋升优先" in " ".join(cards[("2026", "BJ01")].honours)
    assert cards[("2025", "SH01")].grade in ("良好", "合格")  # average
    assert cards[("2025", "GZ01")].grade == "不合格"  # weak
    assert cards[("2026", "GZ01")].status == "incomplete"  # 2026Q4 training and projects not submitted
    assert cards[("2025Q2", "SH01")].kpis["pass_rate"].value is None  # nobody rated
    assert cards[("2025Q3", "SH01")].kpis["training_rate"].value is None  # no trainings
    assert cards[("2026Q1", "SH01")].kpis["satisfaction"].value is None  # nobody surveyed
    assert cards[("2026Q2", "SH01")].kpis["market_share"].value is None  # blank 市场规模
    assert cards[("2026Q1", "SH01")].kpis["growth"].value is not None  # prior from 2025Q1 submissions
