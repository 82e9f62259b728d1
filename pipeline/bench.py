"""`python -m pipeline bench`: measure the pipeline on a synthetic company, write docs/performance.md.

Each stage runs in its own child process (`python -m pipeline.bench STAGE PARAMS`), so its wall
time excludes nothing but interpreter start-up, and its peak memory is its own: the child reports
its VmHWM and the largest peak among its worker processes (RUSAGE_CHILDREN), and this process
samples the proportional set size (PSS) of the child's whole process tree, which counts a page
shared by forked workers once rather than once per process. Timings and ratios come from one run
on one machine; they are compared with each other, never asserted by tests.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .atomic import write_text
from .forms import CLIENTS
from .synthetic import BENCH, PARAMS_FILE, Company, ensure_company, submission_bytes

RESULT_PREFIX = "BENCH-RESULT "
QUICK_OFFICES = 50
YEARS = (2025, 2026)

# (key, label, limit): the targets the Architecture issue set; ratios of one run on one machine
TARGETS = (
    ("cold_ratio", "冷启动数据阶段（全部核）÷ calamine 原始读取（单进程）", 1.5),
    ("incremental_share", "改动一个工作簿后重跑 ÷ 冷启动数据阶段（全部核）", 0.15),
    ("unchanged_share", "无改动重跑 ÷ 冷启动数据阶段（全部核）", 0.10),
    ("data_memory_mib", "数据阶段峰值内存（整个进程树的 PSS 之和，MiB）", 1024),
    ("site_ratio", "网站阶段 ÷ 仅 mkdocs build（同一批页面）", 1.1),
    ("build_seconds", "完整构建（数据阶段 + 网站，冷缓存，秒）", 180),
)
SHARES = ("incremental_share", "unchanged_share")
BOUNDS = ("data_memory_mib", "build_seconds")  # "less than" rather than "at most"


@dataclass
class Measure:
    """One stage's result: wall seconds (None when it did not run) and peak RSS in MiB."""

    key: str
    label: str
    seconds: float | None = None
    rss_mib: float | None = None  # the stage's own process
    workers_rss_mib: float | None = None  # the largest of its worker processes
    tree_pss_mib: float | None = None  # the whole process tree, shared pages counted once
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class BenchReport:
    offices: int
    files: int
    megabytes: float
    cores: int
    cpu: str
    python: str
    date: str
    measures: dict[str, Measure] = field(default_factory=dict)
    curve: list[dict[str, Any]] = field(default_factory=list)  # the site stage by company size
    load: tuple[float, float] = (0.0, 0.0)  # 1-minute load average at the start and the end

    def seconds(self, key: str) -> float | None:
        m = self.measures.get(key)
        return m.seconds if m else None

    def ratio(self, key: str, over: str) -> float | None:
        a, b = self.seconds(key), self.seconds(over)
        return a / b if a is not None and b else None


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _load() -> float:
    try:
        return os.getloadavg()[0]
    except OSError:
        return 0.0


def _descendants(pid: int) -> list[int]:
    """pid and every process below it, from /proc/*/stat (the kernel's children files are optional)."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            ppid = int(stat[stat.rindex(")") + 2:].split()[1])
            parents.setdefault(ppid, []).append(int(entry.name))
    tree, todo = [], [pid]
    while todo:
        p = todo.pop()
        tree.append(p)
        todo.extend(parents.get(p, ()))
    return tree


def _tree_pss_kb(pid: int) -> int:
    """The PSS of a process tree in KiB: each shared page split between the processes that map it."""
    total = 0
    for p in _descendants(pid):
        try:
            for line in Path(f"/proc/{p}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
                    break
        except (OSError, ValueError):
            continue  # the process ended meanwhile
    return total


def run_stage(stage: str, timeout: float = 3600, **params: Any) -> dict[str, Any]:
    """Run one stage in a child process and return what it reported (RuntimeError on failure).

    While it runs, this process samples the PSS of the child's process tree every quarter second;
    the peak is reported as "tree_pss_kb" (0 where /proc has no smaps_rollup).
    """
    env = dict(os.environ)
    package_parent = str(Path(__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (package_parent, env.get("PYTHONPATH", "")) if p)
    with subprocess.Popen([sys.executable, "-m", "pipeline.bench", stage, json.dumps(params)],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env) as proc:
        peak = [0]
        sampler = threading.Thread(target=_sample_peak, args=(proc, peak), daemon=True)
        sampler.start()
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
            raise
        sampler.join()
    for line in reversed(out.splitlines()):
        if line.startswith(RESULT_PREFIX):
            return {**json.loads(line[len(RESULT_PREFIX):]), "tree_pss_kb": peak[0]}
    tail = (err or out).strip().splitlines()[-5:]
    raise RuntimeError(f"阶段 {stage} 失败（退出码 {proc.returncode}）：" + " / ".join(tail))


def _sample_peak(proc: subprocess.Popen, peak: list[int]) -> None:
    while proc.poll() is None:
        peak[0] = max(peak[0], _tree_pss_kb(proc.pid))
        time.sleep(0.25)


def _measure(report: BenchReport, key: str, label: str, stage: str, say, **params: Any) -> Measure:
    m = Measure(key, label)
    try:
        out = run_stage(stage, **params)
    except (RuntimeError, subprocess.TimeoutExpired) as exc:
        m.note = str(exc)[:300]
        say(f"  {label}：未完成 — {m.note}")
    else:
        m.seconds = out["seconds"]
        m.rss_mib = out["rss_kb"] / 1024
        m.workers_rss_mib = out["children_rss_kb"] / 1024 if out.get("children_rss_kb") else None
        m.tree_pss_mib = out["tree_pss_kb"] / 1024 if out.get("tree_pss_kb") else None
        m.extra = out.get("extra", {})
        say(f"  {label}：{m.seconds:.2f} 秒，峰值内存 {m.rss_mib:.0f} MiB")
    report.measures[key] = m
    return m


def _subset(company: Company, root: Path, n: int) -> Path:
    """A data folder with the first n offices, hard-linking the big company's workbooks."""
    target = root / "subsets" / f"offices-{n}"
    marker = target / "complete"
    # the links point at the files of one generation of the company: reuse only for the same one
    stamp = (company.data_dir.parent / PARAMS_FILE).read_text("utf-8")
    if marker.exists() and marker.read_text("utf-8") == stamp:
        return target
    shutil.rmtree(target, ignore_errors=True)
    (target / "submissions").mkdir(parents=True)
    (target / "reference.xlsx").write_bytes(company.reference_bytes(n))
    for period in company.periods:
        for office in company.offices[:n]:
            src = company.data_dir / "submissions" / period / office
            dst = target / "submissions" / period / office
            dst.mkdir(parents=True)
            for f in src.iterdir():
                try:
                    os.link(f, dst / f.name)
                except OSError:
                    shutil.copy2(f, dst / f.name)
    marker.write_text(stamp, "utf-8")
    return target


def run_bench(offices: int = 1000, root: str | Path = ".bench", out: str | Path | None = "docs/performance.md",
              seed: int = 7, site_sizes: tuple[int, ...] | None = None, site: bool = True,
              say=print) -> BenchReport:
    """Generate (or reuse) the company, measure every stage, write the Markdown page."""
    root = Path(root).resolve()
    cores = os.cpu_count() or 1
    say(f"合成数据：{offices} 个业务所 × 8 个季度 × 4 个模板 …")
    t = time.perf_counter()
    company, generated = ensure_company(root / f"company-{offices}-{seed}", offices=offices, years=YEARS, seed=seed,
                                        workers=cores)
    say(f"  {'已生成' if generated else '沿用已有数据'}（{time.perf_counter() - t:.1f} 秒）")
    data = str(company.data_dir)
    files = list(company.data_dir.rglob("*.xlsx"))
    report = BenchReport(offices=offices, files=len(files), megabytes=sum(p.stat().st_size for p in files) / 2**20,
                         cores=cores, cpu=_cpu_model(), python=platform.python_version(),
                         date=datetime.now(UTC).strftime("%Y-%m-%d"))
    start_load = _load()
    work = root / "work"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)

    say("读取基准：")
    _measure(report, "inflate", "仅解压 zip 成员（下限之下）", "inflate", say, data_dir=data)
    _measure(report, "hash", "计算全部文件的 sha256（缓存查验）", "hash", say, data_dir=data)
    _measure(report, "floor", "python-calamine 原始读取，单进程（基准）", "calamine", say, data_dir=data)
    say("数据阶段（读取 → 校验 → 指标 → 评分 → 输出）：")
    _measure(report, "cold1", "冷启动（空缓存），单进程", "data", say, data_dir=data, out_dir=str(work / "out1"),
             workers=1, cache_dir=str(work / "cache1"))
    _measure(report, "coldN", f"冷启动（空缓存），{cores} 进程", "data", say, data_dir=data,
             out_dir=str(work / "outN"), workers=cores, cache_dir=str(work / "cacheN"))
    same = _same_outputs(work / "out1", work / "outN")
    report.measures["coldN"].extra["same_as_single"] = same
    say(f"  单进程与 {cores} 进程输出{'一致' if same else '不一致'}")
    # the reruns below write into the same output folder with the same cache: what HR's reruns do
    _measure(report, "unchanged", "无改动重跑", "data", say, data_dir=data, out_dir=str(work / "outN"),
             workers=cores, cache_dir=str(work / "cacheN"))
    latest = company.periods[-1]
    changed = company.data_dir / "submissions" / latest / company.offices[0] / CLIENTS.filename
    original = changed.read_bytes()
    try:
        changed.write_bytes(submission_bytes(offices, 0, latest, CLIENTS.id, years=YEARS, seed=seed, volume=BENCH,
                                             variant=1))
        _measure(report, "incremental", "改动一个工作簿后重跑", "data", say, data_dir=data,
                 out_dir=str(work / "outN"), workers=cores, cache_dir=str(work / "cacheN"))
    finally:
        changed.write_bytes(original)

    if site:
        say("网站阶段（页面生成 + mkdocs build + 隐私检查 + 发布）：")
        sizes = site_sizes or tuple(sorted({n for n in (100, 500, 1000) if n < offices} | {offices}))
        for n in sizes:
            sub = data if n == offices else str(_subset(company, root, n))
            out_site = _measure(report, f"site{n}", f"{n} 个业务所：网站阶段", "site", say, data_dir=sub,
                                work_dir=str(work / f"site{n}"), cache_dir=str(work / "cacheN"), workers=cores)
            bare = _measure(report, f"bare{n}", f"{n} 个业务所：仅 mkdocs build（同一批页面）", "mkdocs", say,
                            config=out_site.extra.get("config", ""))
            report.curve.append({"offices": n, "site": out_site.seconds, "bare": bare.seconds,
                                 "pages": out_site.extra.get("pages"), "html_mb": bare.extra.get("html_mb"),
                                 "search_mb": bare.extra.get("search_mb"), "privacy": out_site.extra.get("privacy")})
        _measure(report, "build", f"完整构建 `build`（冷缓存，{offices} 个业务所）", "build", say, data_dir=data,
                 work_dir=str(work / "build"), cache_dir=str(work / "cacheB"), workers=cores)
    report.load = (start_load, _load())
    if out:
        path = Path(out)
        path.parent.mkdir(parents=True, exist_ok=True)
        write_text(path, render_markdown(report))
        say(f"已写出 {path}")
    return report


def _same_outputs(a: Path, b: Path) -> bool:
    try:
        names = sorted(p.name for p in a.iterdir())
        return names == sorted(p.name for p in b.iterdir()) and all(
            (a / n).read_bytes() == (b / n).read_bytes() for n in names if not n.endswith(".xlsx"))
    except OSError:
        return False


def _child_main(argv: list[str]) -> int:
    stage, params = argv[0], json.loads(argv[1])
    t = time.perf_counter()
    extra = STAGES[stage](**params) or {}
    seconds = extra.pop("seconds", None) or (time.perf_counter() - t)
    import resource

    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(RESULT_PREFIX + json.dumps({"seconds": seconds, "rss_kb": _own_peak_kb(), "children_rss_kb": children,
                                      "extra": extra}), flush=True)
    return 0


def _own_peak_kb() -> int:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _fmt(x: float | None, digits: int = 2) -> str:
    return "—" if x is None else f"{x:,.{digits}f}"


def _memory(m: Measure) -> float | None:
    """The data stage's peak: the sampled PSS of its process tree.

    Without smaps_rollup, an upper bound: its own peak plus each worker at the largest worker's peak
    (forked workers' peaks count the pages they share with the parent again).
    """
    if m.tree_pss_mib is not None:
        return m.tree_pss_mib
    if m.rss_mib is None:
        return None
    return m.rss_mib + (m.workers_rss_mib or 0) * (m.extra.get("workers_used") or 0)


def target_values(report: BenchReport) -> dict[str, float | None]:
    """The figures the targets are judged on."""
    largest = max((c["offices"] for c in report.curve), default=None)
    site = report.seconds(f"site{largest}") if largest else None
    bare = report.seconds(f"bare{largest}") if largest else None
    cold = report.measures.get("coldN")
    return {
        "cold_ratio": report.ratio("coldN", "floor"),
        "incremental_share": report.ratio("incremental", "coldN"),
        "unchanged_share": report.ratio("unchanged", "coldN"),
        "data_memory_mib": _memory(cold) if cold else None,
        "site_ratio": site / bare if site is not None and bare else None,
        "build_seconds": report.seconds("build"),
    }


def render_markdown(report: BenchReport) -> str:
    """The Chinese performance page with the measured table, targets and the site curve."""
    floor = report.seconds("floor")
    lines = [
        "# 性能测试",
        "",
        "> 本页由 `python -m pipeline bench`（或 `kaohe bench`）生成，数字来自一次实际运行，请勿手工修改。",
        "",
        f"- 测试日期：{report.date}",
        f"- 机器：{report.cores} 个 CPU 核（{report.cpu}），Python {report.python}",
        f"- 规模：{report.offices:,} 个业务所 × 8 个季度 × 4 个模板，共 {report.files:,} 个工作簿"
        f"（含 reference.xlsx），{report.megabytes:,.0f} MB",
        f"- 机器负载（1 分钟平均）：开始 {report.load[0]:.1f}，结束 {report.load[1]:.1f}"
        f"（高于核数说明有其他任务同时在运行，耗时会偏大）",
        "",
        "## 各阶段耗时",
        "",
        "“相对”为该阶段耗时 ÷ python-calamine 单进程原始读取同一批文件的耗时。"
        "峰值内存为该阶段进程自身的峰值（括号内为其最大的一个工作进程）；进程树合计为整个进程树的"
        " PSS 之和（每 0.25 秒采样一次，多个进程共享的内存页只按比例计一次）。",
        "",
        "| 阶段 | 耗时（秒） | 相对 | 峰值内存（MiB） | 进程树合计（MiB） | 备注 |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for m in report.measures.values():
        if m.key.startswith(("site", "bare")):
            continue
        rel = _fmt(m.seconds / floor) if m.seconds is not None and floor else "—"
        mem = _fmt(m.rss_mib, 0) + (f"({_fmt(m.workers_rss_mib, 0)})" if m.workers_rss_mib else "")
        lines.append(f"| {m.label} | {_fmt(m.seconds)} | {rel} | {mem} | {_fmt(m.tree_pss_mib, 0)} | {_note(m)} |")
    lines += ["", "## 目标", "", "| 目标 | 要求 | 实测 | 结果 |", "|---|---:|---:|---|"]
    values = target_values(report)
    for key, label, limit in TARGETS:
        value = values[key]
        shown = "—" if value is None else (f"{value:.1%}" if key in SHARES else _fmt(value))
        limit_text = f"≤ {limit:.0%}" if key in SHARES else (f"< {limit:,}" if key in BOUNDS else f"≤ {limit}")
        verdict = "未测" if value is None else ("达到" if value <= limit else "未达到")
        build = report.measures.get("build")
        if key == "build_seconds" and build is not None and build.extra.get("exit"):
            verdict += f"（构建退出码 {build.extra['exit']}，见上表备注）"
        lines.append(f"| {label} | {limit_text} | {shown} | {verdict} |")
    if report.curve:
        # two narrow tables rather than one of eight columns: that one was wider than the page on a
        # phone and than the content column at desktop width
        lines += ["", "## 网站规模曲线", "",
                  "每个业务所一个页面；曲线应接近线性（每所耗时基本不变）。", "",
                  "### 网站阶段耗时", "",
                  "| 业务所数 | 网站阶段（秒） | 仅 mkdocs build（秒） | 比值 | 每所（毫秒） |",
                  "|---:|---:|---:|---:|---:|"]
        for c in report.curve:
            ratio = c["site"] / c["bare"] if c["site"] is not None and c["bare"] else None
            per = c["site"] / c["offices"] * 1000 if c["site"] is not None else None
            lines.append(f"| {c['offices']:,} | {_fmt(c['site'])} | {_fmt(c['bare'])} | {_fmt(ratio)} | {_fmt(per, 1)} |")
        lines += ["", "### 生成的页面与文件大小", "",
                  "| 业务所数 | 页面数 | HTML 总量（MB） | 搜索索引（MB） |",
                  "|---:|---:|---:|---:|"]
        for c in report.curve:
            lines.append(f"| {c['offices']:,} | {c.get('pages') or '—'} | {_fmt(c.get('html_mb'), 1)} "
                         f"| {_fmt(c.get('search_mb'), 2)} |")
        notes = [f"- {c['offices']:,} 个业务所：{c['privacy']}" for c in report.curve if c.get("privacy")]
        if notes:
            lines += ["", "隐私检查未通过的规模（页面已全部生成并构建，只是未发布；耗时照常计入）：", "", *notes]
    lines += ["", "## 说明", "", *EXPLANATION, ""]
    return "\n".join(lines)


def _note(m: Measure) -> str:
    if m.seconds is None:
        return "未完成：" + m.note.replace("|", "/")
    e = m.extra
    parts = []
    if "parsed" in e:
        parts.append(f"解析 {e['parsed']:,} 个，缓存命中 {e['workbooks'] - e['parsed']:,} 个")
    if "rewritten" in e:
        parts.append(f"重写期间工作簿 {e['rewritten']} 个，未变 {e['unchanged']} 个")
    if "scored" in e:
        parts.append(f"已评分 {e['scored']:,} 个业务所期间")
    if "same_as_single" in e:
        parts.append("输出与单进程逐字节一致" if e["same_as_single"] else "输出与单进程不一致")
    if e.get("exit"):
        parts.append(f"退出码 {e['exit']}" + (f"（{e['reason']}）" if e.get("reason") else ""))
    if e.get("privacy"):
        parts.append(f"隐私检查未通过（未发布）：{e['privacy']}")
    if "inflated_mb" in e:
        parts.append(f"解压后 {e['inflated_mb']:,.0f} MB")
    return "；".join(parts)


EXPLANATION = (
    "- **下限**：python-calamine 单进程读出每个工作簿的全部单元格，是“读取”本身的代价；"
    "仅解压 zip 成员则是它之下的地板。完整的数据阶段还要做预检、规范化、逐格校验、跨文件检查、指标、评分，"
    "并写出 validation.json、scorecards.csv 与每个期间的考核结果工作簿。",
    "- **并行**：读取与逐格校验由执行器分给多个进程（`--workers`，默认按 CPU 核数；`pipeline/runtime/pool.py`），"
    "每个工作簿在读取它的进程里就归纳为“工作簿事实”（身份、问题、各表对指标的贡献、隐私检查要用的文本），"
    "数据行不再传回主进程。结果按文件路径排序后合并，所以输出与进程数无关（上表核对了单进程与多进程的输出）。"
    "输出时，由主进程 fork 出的进程计算各期间考核结果工作簿内容的摘要，主进程同时写出 validation.json 与 "
    "scorecards.csv；只有摘要变了的期间才由主进程整理内容，再由只继承这些内容的进程生成工作簿"
    "（fork 出的进程会复制它改动引用计数的内存页：继承全部结果的进程生成工作簿时，进程树内存多出约 250 MiB）。",
    "- **缓存**：每个工作簿的事实按“文件内容的 sha256 + 路径”存在 `.cache/` 下（每条记录带校验和）；"
    "读取代码、表单结构或解析库版本一改，旧缓存自动作废。像 git 一样，`.cache/files.bin` 记住每个文件的大小、"
    "修改时间、ctime、inode 与 sha256，这些都没变的文件连 sha256 都不必重算。修改政策配置后全部重新评分，"
    "但无需重新读取。缓存可随时删除，`--no-cache` 可关闭。",
    "- **重跑**：重跑时，未改动的文件从缓存取得事实，校验、指标、评分与排名对全部业务所完整重算，"
    "有改动时 validation.json 与 scorecards.csv 完整重新写出；输入（文件内容、收到时间、已关闭期间、政策、程序）"
    "与上次完全相同且输出文件都完好时不写出任何文件。某期间的考核结果工作簿只有当其内容（由该期间结果算出的摘要）"
    "变化时才重写（`pipeline/runtime/memo.py`）。每个文件在一次运行中只取一次文件状态（stat），"
    "缓存查验与“迟交”判断（按修改时间估计收到时间时）共用它。",
    "- **网站**：网站阶段 = 先生成全部页面（多进程）+ `mkdocs build --strict` + 隐私检查 + 发布；"
    "“仅 mkdocs build”是同一批页面单独构建一次。不使用 MkDocs 钩子：mkdocs 构建期间，隐私检查在另一个核上"
    "扫描已写出的页面，构建完成后再扫描内容有变或尚未扫描的全部文件（如搜索索引）。每个业务所一个页面，但不放进全站导航"
    "（否则每个页面都带上全部导航，构建时间随页数平方增长），所以曲线中每所耗时基本不变。",
    "- 每个阶段在单独的子进程中运行，耗时不含 Python 解释器启动与模块导入；峰值内存取自 "
    "`/proc/self/status` 的 VmHWM 与 `getrusage(RUSAGE_CHILDREN)`。工作进程由主进程 fork 而来，"
    "与主进程共享的内存页会在每个进程的 VmHWM 里各算一次，所以内存目标按进程树的 PSS 合计判断"
    "（基准测试进程每 0.25 秒读取一次 `/proc/<pid>/smaps_rollup`，不占被测进程的时间）。",
)


# ---------------------------------------------------------------------------------------------
# The stages, run inside the child process. Each returns extra facts; the child times the call.


def _files(data_dir: str) -> list[Path]:
    return sorted(Path(data_dir).rglob("*.xlsx"))


def _stage_inflate(data_dir: str) -> dict[str, Any]:
    import zipfile

    total = 0
    for path in _files(data_dir):
        with zipfile.ZipFile(path) as zf:
            for name in zf.namelist():
                total += len(zf.read(name))
    return {"inflated_mb": total / 2**20}


def _stage_hash(data_dir: str) -> dict[str, Any]:
    import hashlib

    for path in _files(data_dir):
        hashlib.sha256(path.read_bytes()).hexdigest()
    return {}


def _stage_calamine(data_dir: str) -> dict[str, Any]:
    from python_calamine import CalamineWorkbook

    cells = 0
    t = time.perf_counter()
    for path in _files(data_dir):
        wb = CalamineWorkbook.from_path(str(path))
        for name in wb.sheet_names:
            cells += sum(len(r) for r in wb.get_sheet_by_name(name).to_python())
    return {"seconds": time.perf_counter() - t, "cells": cells}


def _stage_data(data_dir: str, out_dir: str, workers: int, cache_dir: str) -> dict[str, Any]:
    from .run import open_cache, run

    cache = open_cache(root=cache_dir)
    t = time.perf_counter()
    outcome = run(data_dir, out_dir, workers=workers, cache=cache)
    seconds = time.perf_counter() - t
    results = outcome.results
    return {"seconds": seconds, "workers_used": workers if workers != 1 else 0, "parsed": outcome.parsed,
            "workbooks": len(results.dataset.workbooks), "errors": results.dataset.error_count(),
            "scored": sum(1 for s in results.scorecards if s.status == "scored"),
            "rewritten": sum(1 for p in outcome.written if p.suffix == ".xlsx"), "unchanged": sum(1 for p in outcome.unchanged if p.suffix == ".xlsx")}


def _stage_site(data_dir: str, work_dir: str, cache_dir: str, workers: int) -> dict[str, Any]:
    """Pages + mkdocs + privacy gate + publish, timed on results from a warm data stage."""
    from .build import BuildError, render_and_publish
    from .run import open_cache, run

    work = Path(work_dir)
    results = run(data_dir, work / "out", workers=workers, cache=open_cache(root=cache_dir)).results
    extra: dict[str, Any] = {"config": str(work / "build" / "mkdocs.yml")}
    t = time.perf_counter()
    try:
        render_and_publish(results, work / "site", work_dir=work / "build", build_date="2026-01-01", workers=workers)
    except BuildError as exc:
        if "隐私检查" not in exc.message:
            raise
        # the gate runs last: every step was done and timed, only the final rename was skipped
        extra["privacy"] = " ".join(line.strip() for line in exc.message.splitlines()[:4])
    extra["seconds"] = time.perf_counter() - t
    extra["pages"] = sum(1 for _ in (work / "build" / "docs").rglob("*.md"))
    return extra


def _stage_mkdocs(config: str) -> dict[str, Any]:
    """The same `mkdocs build --strict` the site build runs, alone, on the pages it generated."""
    from .build import run_mkdocs

    target = Path(config).parent / "site-bare"
    shutil.rmtree(target, ignore_errors=True)
    t = time.perf_counter()
    run_mkdocs(Path(config), target)
    seconds = time.perf_counter() - t
    index = target / "search" / "search_index.json"
    return {"seconds": seconds, "html_mb": sum(p.stat().st_size for p in target.rglob("*.html")) / 2**20,
            "search_mb": index.stat().st_size / 2**20 if index.exists() else None}


def _stage_build(data_dir: str, work_dir: str, cache_dir: str, workers: int) -> dict[str, Any]:
    """What `build --keep-going` does, from an empty cache: the data stage, then the site stage."""
    from .build import BuildError, build_site
    from .run import open_cache

    work = Path(work_dir)
    work.mkdir(parents=True, exist_ok=True)
    t = time.perf_counter()
    try:
        build_site(Path(data_dir), work / "site", keep_going=True, workers=workers, cache=open_cache(root=cache_dir),
                   work_dir=work / "build")
        code, reason = 0, ""
    except BuildError as exc:
        code, reason = (2 if exc.usage else 1), " ".join(str(exc).split())[:200]
    return {"seconds": time.perf_counter() - t, "exit": code, "reason": reason.replace("|", "/")}


STAGES = {"inflate": _stage_inflate, "hash": _stage_hash, "calamine": _stage_calamine, "data": _stage_data,
          "site": _stage_site, "mkdocs": _stage_mkdocs, "build": _stage_build}


if __name__ == "__main__":
    sys.exit(_child_main(sys.argv[1:]))
