"""The fictional company (pipeline/synthetic): deterministic, realistic, valid by the specs, every edge case."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from faker import Faker
from openpyxl import load_workbook
from python_calamine import CalamineWorkbook

from pipeline.engine.assess import assess
from pipeline.engine.policy import load_policy
from pipeline.forms import COVER_ROW, OFFICE_FORMS, REFERENCE, NotAbove, NotBefore, RequiredWhen, get_form
from pipeline.intake.received import LOG_NAME, read_log
from pipeline.periods import Period
from pipeline.run import check
from pipeline.synthetic import (
    BENCH,
    PROFILES,
    DemoError,
    company,
    ensure_company,
    generate,
    is_generated,
    office_list,
    reference_bytes,
    specials_for,
    submission_bytes,
)
from pipeline.synthetic.company import head_rows, people_apart, periods_of, seeded_faker
from pipeline.synthetic.write import deadline

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


def _cells_of(data: bytes, path: Path) -> dict[str, list]:
    path.write_bytes(data)
    return _cells(path)


def _cells(path: Path) -> dict[str, list]:
    wb = CalamineWorkbook.from_path(str(path))
    return {name: wb.get_sheet_by_name(name).to_python() for name in wb.sheet_names}


# --- on disk --------------------------------------------------------------------------------------


def test_layout(small):
    out = small.out
    periods = [f"{y}Q{q}" for y in (2025, 2026) for q in range(1, 5)]
    assert small.offices == ["BJ01", "SH01", "GZ01"]
    assert small.periods == periods
    expected = {"reference.xlsx", "reviews.xlsx"} | {
        f"submissions/{p}/{o}/{f.filename}" for p in periods for o in small.offices for f in OFFICE_FORMS}
    missing = {"submissions/2026Q4/GZ01/training.xlsx", "submissions/2026Q4/GZ01/projects.xlsx"}
    assert sorted(small.not_submitted) == sorted(missing)
    on_disk = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    assert on_disk == (expected - missing) | {LOG_NAME}  # no temporary file left behind either
    assert set(small.files) == on_disk - {LOG_NAME}
    logged = [rel for rel, _, _ in read_log(out)]
    assert logged == sorted(expected - missing - {"reference.xlsx", "reviews.xlsx"})  # every submission's received date (HR's own files have none)


def test_same_seed_same_bytes_whatever_the_workers_other_seed_differs(tmp_path):
    one = generate(tmp_path / "one", offices=6, years=(2026,), seed=11)
    seen = []
    two = generate(tmp_path / "two", offices=6, years=(2026,), seed=11, workers=2,
                   progress=lambda done, total: seen.append((done, total)))
    assert one.files == two.files and len(one.files) == 2 + 6 * 4 * 4 - 2
    for rel in one.files:
        assert (one.out / rel).read_bytes() == (two.out / rel).read_bytes(), rel
    assert seen[-1] == (1 + 6 * 4 * 4, 1 + 6 * 4 * 4)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)
    other = generate(tmp_path / "other", offices=2, years=(2026,), seed=12)
    assert _cells(other.out / "reference.xlsx")["业务所"][1] != _cells(one.out / "reference.xlsx")["业务所"][1]
    rel = "submissions/2026Q1/BJ01/clients.xlsx"
    assert _cells(other.out / rel)["客户"] != _cells(one.out / rel)["客户"]


def test_every_workbook_says_what_its_folder_says(small):
    for rel in small.files:
        sheets = _cells(small.out / rel)
        meta = dict((row[0], row[1]) for row in sheets["_meta"])
        if rel in ("reference.xlsx", "reviews.xlsx"):
            assert meta["template_id"] == rel.removesuffix(".xlsx")
            continue
        _, period, office, filename = rel.split("/")
        assert meta["template_id"] == filename.removesuffix(".xlsx")
        cover = sheets["封面"][COVER_ROW - 1:]  # the form's title above the fields
        assert [cover[0][1], cover[1][1]] == [office, period], rel
        assert cover[2][1]  # 填报人
        assert isinstance(cover[3][1], date)


def test_the_files_say_they_are_fictional(small):
    props = load_workbook(small.out / "reference.xlsx").properties
    assert "虚构" in props.description
    assert is_generated(small.out / "reference.xlsx")
    assert is_generated(small.out / small.files[-1])


def test_regenerating_removes_its_own_stale_files_and_nothing_else(tmp_path):
    out = tmp_path / "data"
    generate(out, offices=2, years=(2026,), seed=1)
    folder = out / "submissions/2026Q1/SH01"
    edited = folder / "clients.xlsx"
    load_workbook(edited).save(edited)  # saved since, as by Excel: somebody's data now
    (folder / "notes.txt").write_text("mine", "utf-8")
    blank = folder / "other.xlsx"
    blank.write_bytes((ROOT / "input_templates/projects.xlsx").read_bytes())  # a template: not the generator's
    assert not is_generated(edited) and not is_generated(blank) and not is_generated(folder / "notes.txt")
    (out / "submissions/2027Q1/XX99").mkdir(parents=True)  # somebody's empty folder
    again = generate(out, offices=1, years=(2026,), seed=1)
    # what it deleted, it says: SH01's untouched workbooks, not the edited one
    assert any("/SH01/" in p for p in again.removed) and not set(again.removed) & set(again.files)
    assert "submissions/2026Q1/SH01/clients.xlsx" not in again.removed
    assert not any((out / p).exists() for p in again.removed)
    assert (out / "submissions/2027Q1/XX99").is_dir()
    assert sorted(p.name for p in folder.iterdir()) == ["clients.xlsx", "notes.txt", "other.xlsx"]
    assert not (out / "submissions/2026Q2/SH01").exists()  # its folders emptied and removed
    assert (out / "submissions/2026Q1/BJ01/clients.xlsx").exists()


def test_bad_parameters_are_refused(tmp_path):
    with pytest.raises(DemoError, match="至少需要 1 个业务所"):
        generate(tmp_path / "x", offices=0)
    assert not (tmp_path / "x").exists()


def test_one_file_and_the_reference_on_their_own(small):
    params = {"years": SMALL["years"], "seed": SMALL["seed"]}
    for rel in ("submissions/2025Q2/SH01/recruitment.xlsx", "submissions/2026Q3/GZ01/clients.xlsx"):
        _, period, office, filename = rel.split("/")
        index = small.offices.index(office)
        assert submission_bytes(3, index, period, filename[:-5], **params) == (small.out / rel).read_bytes()
    assert reference_bytes(3, **params) == (small.out / "reference.xlsx").read_bytes()


def test_a_variant_changes_exactly_one_cell(tmp_path):
    base = tmp_path / "base.xlsx"
    changed = tmp_path / "changed.xlsx"
    base.write_bytes(submission_bytes(2, 1, "2026Q1", "clients", years=(2026,)))
    changed.write_bytes(submission_bytes(2, 1, "2026Q1", "clients", years=(2026,), variant=1))
    before, after = _cells(base)["客户"], _cells(changed)["客户"]
    diffs = [(r, c) for r, row in enumerate(before) for c, v in enumerate(row) if after[r][c] != v]
    assert diffs == [(1, 6)]  # G2: 本期销售额 of the first client
    assert after[1][6] == pytest.approx(before[1][6] + 1)


# --- the rows obey the specs (so `validate` finds no errors) ------------------------------------------


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


@pytest.fixture(scope="module")
def bench_rows():
    return company(3, (2025, 2026), 7, volume=BENCH)


@pytest.mark.parametrize("which", ["full", "bench_rows"])
def test_every_row_obeys_the_form_specs(which, request):
    data = request.getfixturevalue(which)
    problems = []
    offices = [d.office for d in data]
    periods = periods_of((2025, 2026))
    ref = {"offices": offices, "targets": [t for d in data for t in d.targets],
           "heads": head_rows(offices, periods, specials_for(len(offices), periods), 7),
           "schedule": [{"period": str(p), "deadline": deadline(p)} for p in periods]}
    for sheet in REFERENCE.sheets:
        problems += _problems(sheet, ref[sheet.key])
    for d in data:
        for period, forms in d.forms.items():
            for form_id, tables in forms.items():
                for sheet in get_form(form_id).sheets:
                    problems += [f"{d.office['office_id']} {period} {p}" for p in _problems(sheet, tables[sheet.key])]
    assert problems == []


@pytest.mark.parametrize("which", ["full", "bench_rows"])
def test_cross_file_and_date_sanity(which, request):
    for d in request.getfixturevalue(which):
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


def test_row_counts_are_modest_in_the_demo(full):
    for d in full:
        for forms in d.forms.values():
            assert 8 <= len(forms["recruitment"]["roster"]) <= 30
            assert 10 <= len(forms["clients"]["clients"]) <= 40
            assert len(forms.get("projects", {"projects": [1, 2, 3]})["projects"]) in range(3, 11)
            assert len(forms.get("training", {"trainings": []})["trainings"]) in (0, *range(3, 9))


# (form, sheet key, fewest rows, most rows): the benchmark's realistic sizes with their spread
BENCH_COUNTS = [("recruitment", "roster", 24, 45), ("recruitment", "hiring", 1, 3), ("training", "trainings", 16, 24),
                ("clients", "clients", 90, 110), ("projects", "projects", 12, 18)]


@pytest.mark.parametrize(("form_id", "key", "low", "high"), BENCH_COUNTS)
def test_row_counts_are_realistic_in_the_benchmark(bench_rows, form_id, key, low, high):
    edge = specials_for(3, [Period(y, q) for y in (2025, 2026) for q in range(1, 5)])
    counts = [len(d.forms[p][form_id][key]) for i, d in enumerate(bench_rows) for p in d.forms
              if not (i == edge.edge_office and p == edge.no_trainings and key == "trainings")]
    assert all(low <= n <= high for n in counts), counts


def test_the_benchmark_sends_every_form(bench_rows):
    assert all(len(forms) == 4 for d in bench_rows for forms in d.forms.values())


def test_the_benchmark_keeps_people_apart_from_the_heads(bench_rows):
    heads = [d.office["head"] for d in bench_rows]
    people = {m["name"] for d in bench_rows for forms in d.forms.values() for m in forms["recruitment"]["roster"]}
    people |= {c["contact"] for d in bench_rows for forms in d.forms.values() for c in forms["clients"]["clients"]}
    assert all(len(name) >= 3 for name in people)
    assert not any(name in h or h in name for name in people for h in heads)


def test_people_apart_leaves_out_names_near_a_head():
    pool = people_apart(["王丽", "张伟明"], seed=7, size=400)
    assert len(set(pool)) == 400
    assert not any("王丽" in name or name in "张伟明" or "张伟明" in name for name in pool)
    assert pool == people_apart(["王丽", "张伟明"], seed=7, size=400)


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


def test_a_reseeded_faker_draws_as_a_new_one():
    fresh = Faker("zh_CN")
    fresh.seed_instance("7:BJ01")
    expected = [fresh.name(), fresh.company(), fresh.phone_number()]
    seeded_faker("other").name()
    reused = seeded_faker("7:BJ01")
    assert [reused.name(), reused.company(), reused.phone_number()] == expected


# --- the edge cases SPEC §5–6 needs ---------------------------------------------------------------------


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


def test_profiles_give_every_grade_band(full):
    profiles = [d.profile for d in full]
    assert profiles.count("strong") == 3 and profiles.count("weak") == 2
    assert PROFILES["weak"].attainment[1] < 0.6  # 不合格 needs attainment < 0.6
    assert PROFILES["strong"].attainment[0] >= 1.1


@pytest.mark.parametrize("n", [1, 2, 3, 5, 12, 13, 40])
def test_specials_placed_for_any_number_of_offices(n):
    sp = specials_for(n, [Period(2026, q) for q in range(1, 5)])
    assert sp.edge_office == (1 if n > 1 else 0)
    assert 0 <= sp.missing_office < n
    if 1 < n <= 13:
        profiles = [d.profile for d in company(n, (2026,), 7)]
        # a missing form makes the year incomplete: it must not cost a strong office its honours
        assert profiles[sp.missing_office] != "strong"
        assert profiles[sp.edge_office] != "strong"


def test_office_ids_stay_unique_beyond_twelve():
    offices = office_list(1000, 7)
    assert len({o["office_id"] for o in offices}) == 1000
    assert offices[12]["office_id"] == "BJ02" and offices[12]["office_name"] == "北京二所"
    assert offices[999]["office_id"] == "SZ84" and offices[999]["office_name"] == "深圳84所"


# --- the bundled sample ---------------------------------------------------------------------------------


def test_a_blank_satisfaction_and_the_missing_forms_in_the_bundled_sample():
    clients = _cells(SAMPLE / "submissions/2025Q1/BJ01/clients.xlsx")["客户"]
    assert "" in [row[8] for row in clients[1:]]
    assert not (SAMPLE / "submissions/2026Q4/SU01/training.xlsx").exists()
    assert not (SAMPLE / "submissions/2026Q4/SU01/projects.xlsx").exists()
    assert (SAMPLE / "submissions/2026Q4/SU01/clients.xlsx").exists()
    assert len(list(SAMPLE.glob("submissions/*/*/*.xlsx"))) == 12 * 8 * 4 - 2


@pytest.mark.parametrize(("index", "period"), [(0, "2025Q1"), (5, "2026Q3"), (11, "2026Q4")])
def test_bundled_sample_is_what_the_generator_writes(index, period):
    """sample_data/ must be regenerated (`demo --out sample_data --force`) whenever the generator or the writer changes."""
    oid = office_list(12, 7)[index]["office_id"]
    for form in OFFICE_FORMS:
        path = SAMPLE / "submissions" / period / oid / form.filename
        if path.exists():
            assert submission_bytes(12, index, period, form.id) == path.read_bytes(), path


def test_bundled_reference_is_what_the_generator_writes():
    assert reference_bytes(12) == (SAMPLE / "reference.xlsx").read_bytes()


# --- through the real reader and engine -------------------------------------------------------------------


def _assessed(data_dir: Path):
    """The data stage short of writing outputs: read, check and score."""
    dataset, _ = check(data_dir, workers=1)
    return assess(dataset, load_policy())


def test_small_demo_reads_without_errors_and_scores_every_grade_band(small):
    results = _assessed(small.out)
    assert [f.message for f in results.dataset.findings if f.severity == "error"] == []
    assert sorted(f.code for f in results.dataset.findings if f.severity == "warning") == ["submission-missing"] * 2
    cards = {(c.period, c.office_id): c for c in results.scorecards}
    for year in ("2025", "2026"):
        assert cards[(year, "BJ01")].grade == "优秀"  # strong
        assert "年终特别奖励" in " ".join(cards[(year, "BJ01")].honours)
    assert "晋升优先" in " ".join(cards[("2026", "BJ01")].honours)
    assert cards[("2025", "SH01")].grade in ("良好", "合格")  # average
    assert cards[("2025", "GZ01")].grade == "不合格"  # weak
    assert cards[("2026", "GZ01")].status == "incomplete"  # 2026Q4 training and projects not submitted
    assert cards[("2025Q2", "SH01")].kpis["pass_rate"].value is None  # nobody rated
    assert cards[("2025Q3", "SH01")].kpis["training_rate"].value is None  # no trainings
    assert cards[("2026Q1", "SH01")].kpis["satisfaction"].value is None  # nobody surveyed
    # blank 市场规模: N/A as computed, 10 % after HR's review (reviews.xlsx), settling the head's appeal
    (adjusted,) = cards[("2026Q2", "SH01")].adjustments
    assert (adjusted.kpi, adjusted.original, cards[("2026Q2", "SH01")].kpis["market_share"].value) == \
        ("market_share", None, 0.1)
    assert [(a.office_id, a.period, a.outcome) for a in results.appeals] == [("SH01", "2026Q2", "已调整")]
    assert cards[("2026Q1", "SH01")].kpis["growth"].value is not None  # prior from 2025Q1 submissions


def test_a_benchmark_company_is_kept_and_reused(tmp_path):
    company_, generated = ensure_company(tmp_path, offices=2, years=(2026,))
    assert generated and company_.files == 1 + 2 * 4 * 4
    assert company_.offices == ("BJ01", "SH01") and company_.periods == ("2026Q1", "2026Q2", "2026Q3", "2026Q4")
    marker = json.loads((tmp_path / "company.json").read_text("utf-8"))
    assert (marker["offices"], marker["years"], marker["seed"]) == (2, [2026], 7)
    stamp = (company_.data_dir / "reference.xlsx").stat().st_mtime_ns
    again, generated = ensure_company(tmp_path, offices=2, years=(2026,))
    assert (again, generated) == (company_, False)
    assert (company_.data_dir / "reference.xlsx").stat().st_mtime_ns == stamp
    assert company_.reference_bytes(2) == (company_.data_dir / "reference.xlsx").read_bytes()
    first = _cells_of(company_.reference_bytes(1), tmp_path / "first.xlsx")
    assert [r[0] for r in first["业务所"][1:]] == ["BJ01"] and {r[2] for r in first["季度目标"][1:]} == {"BJ01"}
    results = _assessed(company_.data_dir)
    assert [f.message for f in results.dataset.findings if f.severity in ("error", "warning")] == []
    assert {c.status for c in results.scorecards} == {"scored"}
    other, generated = ensure_company(tmp_path, offices=1, years=(2026,), seed=8)
    assert generated and other.offices == ("BJ01",)
    assert not (other.data_dir / "submissions/2026Q1/SH01").exists()  # its own earlier files removed


def test_the_sample_changes_one_head_at_a_quarter_boundary():
    """One office changes head on the first day of 2026Q2: cards before are the old head's, after
    the new one's; the 业务所 sheet names the current head; covers are filled by the head in office."""
    dataset, _ = check(SAMPLE)
    changed = {o: t for o, t in dataset.reference.tenures.items() if len(t) > 1}
    assert list(changed) == ["HZ01"]
    old, new = changed["HZ01"]
    assert (old.end, new.start) == (date(2026, 3, 31), date(2026, 4, 1))
    assert dataset.reference.offices["HZ01"].head == new.head_name
    assert not [f for f in dataset.findings if f.code.startswith(("head-", "cover-filler"))]
    cards = {c.period: c for c in assess(dataset, load_policy()).scorecards if c.office_id == "HZ01"}
    assert (cards["2026Q1"].head, cards["2026Q2"].head, cards["2026"].head) == (
        old.head_name, new.head_name, new.head_name)
    assert cards["2026"].notes and cards["2026Q2"].notes == ()
    # 优秀 both years, but under two people: the new head has one year of two, not 晋升优先
    assert (cards["2025"].grade, cards["2026"].grade) == ("优秀", "优秀")
    assert "晋升优先" not in cards["2026"].honours


def test_the_sample_has_one_late_submission():
    """The sample's 填报日程 and received-date log: every form on time but one, three days late."""
    from pipeline.engine.deadlines import LATE, timeliness
    from pipeline.engine.submissions import submission_matrix

    dataset, _ = check(SAMPLE)
    assert set(dataset.reference.deadlines) == {f"{y}Q{q}" for y in (2025, 2026) for q in range(1, 5)}
    board = timeliness(dataset, submission_matrix(dataset))
    late = [(p, o, f, t.label) for p, offices in board.items() for o, row in offices.items()
            for f, t in row.items() if t.state == LATE]
    assert late == [("2026Q4", "BJ01", "clients", "迟交 3 天")]
    assert not any(t.estimated for offices in board.values() for row in offices.values() for t in row.values())
