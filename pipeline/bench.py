"""`python -m pipeline bench`: measure the pipeline on a synthetic company, write docs/performance.md.

Each stage runs in its own child process (`python -m pipeline.bench STAGE PARAMS`), so its
wall time excludes nothing but interpreter start-up, and its peak memory is its own: the child
reports its VmHWM and the largest peak among its own worker processes (RUSAGE_CHILDREN).
Timings and ratios come from one run on one machine; they are not asserted by the tests.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from . import synth

RESULT_PREFIX = "BENCH-RESULT "
QUICK_OFFICES = 50


@dataclass
class Measure:
    """One stage's result: wall seconds (None when it did not run) and peak RSS in MiB."""

    key: str
    label: str
    seconds: float | None = None
    rss_mib: float | None = None  # the stage's own process
    workers_rss_mib: float | None = None  # the largest of its worker processes
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
    curve: list[dict[str, Any]] = field(default_factory=list)  # site stage at 100/500/1000 offices
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


def run_stage(stage: str, timeout: float = 3600, **params: Any) -> dict[str, Any]:
    """Run one stage in a child process and return what it reported (raises RuntimeError on failure)."""
    env = dict(os.environ)
    package_parent = str(Path(__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (package_parent, env.get("PYTHONPATH", "")) if p)
    proc = subprocess.run([sys.executable, "-m", "pipeline.bench", stage, json.dumps(params)],
                          capture_output=True, text=True, env=env, timeout=timeout)
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith(RESULT_PREFIX):
            return json.loads(line[len(RESULT_PREFIX):])
    tail = (proc.stderr or proc.stdout).strip().splitlines()[-5:]
    raise RuntimeError(f"阶段 {stage} 失败(退出码 {proc.returncode}):" + " / ".join(tail))


def _measure(report: BenchReport, key: str, label: str, stage: str, say, **params: Any) -> Measure:
    m = Measure(key, label)
    try:
        out = run_stage(stage, **params)
    except (RuntimeError, subprocess.TimeoutExpired) as exc:
        m.note = str(exc)[:300]
        say(f"  {label}:未完成 — {m.note}")
    else:
        if out.get("extra", {}).get("exit") not in (None, 0, 1):
            m.note = f"退出码 {out['extra']['exit']}"
            say(f"  {label}:未完成 — {m.note}")
            report.measures[key] = m
            return m
        m.seconds = out["seconds"]
        m.rss_mib = out["rss_kb"] / 1024
        m.workers_rss_mib = out["children_rss_kb"] / 1024 if out.get("children_rss_kb") else None
        m.extra = out.get("extra", {})
        say(f"  {label}:{m.seconds:.2f} 秒,峰值内存 {m.rss_mib:.0f} MiB")
    report.measures[key] = m
    return m


def _subset(company: synth.Company, root: Path, n: int, seed: int) -> Path:
    """A data folder with the first n offices, hard-linking the big company's workbooks."""
    target = root / "subsets" / f"offices-{n}"
    marker = target / "complete"
    # the links point at the files of one generation of the company: reuse only for the same one
    stamp = (company.data_dir.parent / synth.PARAMS_FILE).read_text("utf-8")
    if marker.exists() and marker.read_text("utf-8") == stamp:
        return target
    shutil.rmtree(target, ignore_errors=True)
    (target / "submissions").mkdir(parents=True)
    (target / "reference.xlsx").write_bytes(synth.reference_workbook(n, company.periods, seed))
    for period in company.periods:
        for i in range(n):
            src = company.data_dir / "submissions" / period / synth.office_id(i)
            dst = target / "submissions" / period / synth.office_id(i)
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
    say(f"合成数据:{offices} 个业务所 × 8 个季度 × 4 个模板 …")
    t = time.perf_counter()
    company, generated = synth.ensure_company(root / f"company-{offices}-{seed}", offices=offices, seed=seed)
    say(f"  {'已生成' if generated else '沿用已有数据'}({time.perf_counter() - t:.1f} 秒)")
    data = str(company.data_dir)
    files = [p for p in company.data_dir.rglob("*.xlsx")]
    megabytes = sum(p.stat().st_size for p in files) / 2**20
    report = BenchReport(offices=offices, files=len(files), megabytes=megabytes, cores=os.cpu_count() or 1,
                         cpu=_cpu_model(), python=platform.python_version(),
                         date=datetime.now(UTC).strftime("%Y-%m-%d"))
    start_load = _load()
    from .cache import namespace

    pinned = namespace()
    work = root / "work"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    cores = report.cores

    say("读取基准:")
    _measure(report, "inflate", "仅解压 zip 成员(下限之下)", "inflate", say, data_dir=data)
    _measure(report, "hash", "计算全部文件的 sha256(缓存查验)", "hash", say, data_dir=data)
    _measure(report, "floor", "python-calamine 原始读取,单进程(基准)", "calamine", say, data_dir=data)
    say("数据阶段(读取 → 校验 → 指标 → 评分 → 输出):")
    _measure(report, "cold1", "冷启动(空缓存),单进程", "data", say, data_dir=data, out_dir=str(work / "out1"),
             workers=1, cache_dir=str(work / "cache1"), namespace=pinned)
    _measure(report, "coldN", f"冷启动(空缓存),{cores} 进程", "data", say, data_dir=data,
             out_dir=str(work / "outN"), workers=cores, cache_dir=str(work / "cacheN"), namespace=pinned)
    _measure(report, "warm", "无改动重跑(复用上次运行)", "data", say, data_dir=data, out_dir=str(work / "outW"),
             workers=cores, cache_dir=str(work / "cacheN"), namespace=pinned)
    changed = synth.submission_path(company.data_dir, 0, company.periods[-1], synth.CLIENTS)
    original = changed.read_bytes()
    try:
        changed.write_bytes(synth.office_workbook(synth.CLIENTS, 0, company.periods[-1], seed, variant=1))
        _measure(report, "incremental", "改动一个工作簿后重跑", "data", say, data_dir=data,
                 out_dir=str(work / "outI"), workers=cores, cache_dir=str(work / "cacheN"), namespace=pinned)
    finally:
        changed.write_bytes(original)
    same = _same_outputs(work / "out1", work / "outN")
    report.measures["coldN"].extra["same_as_single"] = same
    say(f"  单进程与 {cores} 进程输出{'一致' if same else '不一致'}")

    if site:
        say("网站阶段(页面生成 + mkdocs build):")
        sizes = site_sizes or tuple(sorted({n for n in (100, 500, 1000) if n < offices} | {offices}))
        for n in sizes:
            sub = data if n == offices else str(_subset(company, root, n, seed))
            out_site = _measure(report, f"site{n}", f"{n} 个业务所:页面生成 + mkdocs build", "site", say,
                                data_dir=sub, work_dir=str(work / f"site{n}"), cache_dir=str(work / "cacheN"),
                                workers=cores, namespace=pinned)
            bare = _measure(report, f"bare{n}", f"{n} 个业务所:仅 mkdocs build(同一批页面)", "mkdocs", say,
                            config=out_site.extra.get("config", ""))
            report.curve.append({"offices": n, "site": out_site.seconds, "bare": bare.seconds,
                                 "pages": out_site.extra.get("pages"), "html_mb": bare.extra.get("html_mb"),
                                 "search_mb": bare.extra.get("search_mb"), "privacy": out_site.extra.get("privacy")})
        _measure(report, "build", f"完整构建 `build`(冷缓存,{offices} 个业务所)", "build", say, data_dir=data,
                 work_dir=str(work / "build"), cache_dir=str(work / "cacheB"), workers=cores)
    report.load = (start_load, _load())
    if out:
        path = Path(out)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(render_markdown(report), encoding="utf-8")
        say(f"已写出 {path}")
    return report


def _same_outputs(a: Path, b: Path) -> bool:
    names = ("scorecards.csv", "validation.json")
    try:
        return all((a / n).read_bytes() == (b / n).read_bytes() for n in names)
    except OSError:
        return False


def bench_command(args) -> int:
    """`python -m pipeline bench [--offices N] [--cache DIR] [--out FILE] [--quick]`."""
    offices = QUICK_OFFICES if getattr(args, "quick", False) else args.offices
    if offices < 1:
        print("参数错误:业务所数量至少为 1", file=sys.stderr)
        return 2
    try:
        report = run_bench(offices=offices, root=args.cache, out=args.out)
    except OSError as exc:
        print(f"性能测试无法进行:{exc}", file=sys.stderr)
        return 2
    failed = [m.label for m in report.measures.values() if m.seconds is None]
    if failed:
        print("以下阶段未完成:" + "、".join(failed), file=sys.stderr)
        return 1
    return 0


def _child_main(argv: list[str]) -> int:
    stage, params = argv[0], json.loads(argv[1])
    func = STAGES[stage]
    t = time.perf_counter()
    extra = func(**params) or {}
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


# ---------------------------------------------------------------------------------------------
# The page: docs/performance.md (Chinese, for HR and the maintainers).

_TARGETS = (
    # key, label, how it is computed, limit, "le" (at most) or "lt" (below)
    ("cold_ratio", "冷启动数据阶段(全部核)÷ calamine 原始读取(单进程)", 1.5),
    ("incremental_share", "改动一个工作簿后重跑 ÷ 冷启动数据阶段(全部核)", 0.05),
    ("data_memory_mib", "数据阶段峰值内存(主进程 + 各工作进程之和,MiB)", 1024),
    ("build_seconds", "完整构建(数据阶段 + 网站,冷缓存,秒)", 180),
    ("site_ratio", "网站阶段 ÷ 仅 mkdocs build(同一批页面)", 1.1),
)


def _fmt(x: float | None, digits: int = 2) -> str:
    return "—" if x is None else f"{x:,.{digits}f}"


def _memory(m: Measure) -> float | None:
    """The data stage's peak: its own process plus each of its workers at their peak (an upper bound)."""
    if m.rss_mib is None:
        return None
    workers = m.extra.get("workers_used") or 0
    return m.rss_mib + (m.workers_rss_mib or 0) * workers


def target_values(report: BenchReport) -> dict[str, float | None]:
    """The figures the targets are judged on."""
    largest = max((c["offices"] for c in report.curve), default=None)
    site = report.seconds(f"site{largest}") if largest else None
    bare = report.seconds(f"bare{largest}") if largest else None
    cold = report.measures.get("coldN")
    return {
        "cold_ratio": report.ratio("coldN", "floor"),
        "incremental_share": report.ratio("incremental", "coldN"),
        "data_memory_mib": _memory(cold) if cold else None,
        "build_seconds": report.seconds("build"),
        "site_ratio": site / bare if site is not None and bare else None,
    }


def render_markdown(report: BenchReport) -> str:
    """The Chinese performance page with the measured table, targets and the site curve."""
    floor = report.seconds("floor")
    lines = [
        "# 性能测试",
        "",
        "> 本页由 `python -m pipeline bench`(或 `invoke bench`)生成,数字来自一次实际运行,请勿手工修改。",
        "",
        f"- 测试日期:{report.date}",
        f"- 机器:{report.cores} 个 CPU 核({report.cpu}),Python {report.python}",
        f"- 规模:{report.offices:,} 个业务所 × 8 个季度 × 4 个模板,共 {report.files:,} 个工作簿"
        f"(含 reference.xlsx),{report.megabytes:,.0f} MB",
        f"- 机器负载(1 分钟平均):开始 {report.load[0]:.1f},结束 {report.load[1]:.1f}"
        f"(高于核数说明有其他任务同时在运行,耗时会偏大)",
        "",
        "## 各阶段耗时",
        "",
        "“相对”为该阶段耗时 ÷ python-calamine 单进程原始读取同一批文件的耗时。"
        "峰值内存为该阶段进程自身的峰值(括号内为其最大的一个工作进程)。",
        "",
        "| 阶段 | 耗时(秒) | 相对 | 峰值内存(MiB) | 备注 |",
        "|---|---:|---:|---:|---|",
    ]
    for m in report.measures.values():
        if m.key.startswith(("site", "bare")):
            continue
        rel = _fmt(m.seconds / floor) if m.seconds is not None and floor else "—"
        mem = _fmt(m.rss_mib, 0) + (f"({_fmt(m.workers_rss_mib, 0)})" if m.workers_rss_mib else "")
        lines.append(f"| {m.label} | {_fmt(m.seconds)} | {rel} | {mem} | {_note(m)} |")
    lines += ["", "## 目标", "", "| 目标 | 要求 | 实测 | 结果 |", "|---|---:|---:|---|"]
    values = target_values(report)
    for key, label, limit in _TARGETS:
        value = values[key]
        shown = "—" if value is None else (f"{value:.1%}" if key == "incremental_share" else _fmt(value))
        limit_text = f"≤ {limit:.0%}" if key == "incremental_share" else (f"< {limit:,}" if key in (
            "data_memory_mib", "build_seconds") else f"≤ {limit}")
        verdict = "未测" if value is None else ("达到" if value <= limit else "未达到")
        build = report.measures.get("build")
        if key == "build_seconds" and build is not None and build.extra.get("exit"):
            verdict += f"(构建退出码 {build.extra['exit']},见上表备注)"
        lines.append(f"| {label} | {limit_text} | {shown} | {verdict} |")
    if report.curve:
        lines += ["", "## 网站规模曲线", "",
                  "每个业务所一个页面;曲线应接近线性(每所耗时基本不变)。", "",
                  "| 业务所数 | 页面生成 + mkdocs build(秒) | 仅 mkdocs build(秒) | 比值 | 每所(毫秒) "
                  "| 页面数 | HTML 总量(MB) | 搜索索引(MB) |",
                  "|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for c in report.curve:
            ratio = c["site"] / c["bare"] if c["site"] is not None and c["bare"] else None
            per = c["site"] / c["offices"] * 1000 if c["site"] is not None else None
            lines.append(f"| {c['offices']:,} | {_fmt(c['site'])} | {_fmt(c['bare'])} | {_fmt(ratio)} | {_fmt(per, 1)} "
                         f"| {c.get('pages') or '—'} | {_fmt(c.get('html_mb'), 1)} | {_fmt(c.get('search_mb'), 2)} |")
        notes = [f"- {c['offices']:,} 个业务所:{c['privacy']}" for c in report.curve if c.get("privacy")]
        if notes:
            lines += ["", "隐私检查未通过的规模(页面已全部生成并构建,只是未发布;耗时照常计入):", "", *notes]
    lines += ["", "## 说明", "", *_EXPLANATION, ""]
    return "\n".join(lines)


def _note(m: Measure) -> str:
    if m.seconds is None:
        return "未完成:" + m.note.replace("|", "/")
    e = m.extra
    parts = []
    if "rescored" in e:
        parts.append(f"复用上次运行,重新检查 {e['rescored']:,} 个业务所")
    if "misses" in e:
        parts.append(f"解析 {e['misses']:,} 个,缓存命中 {e['hits']:,} 个")
    if "scored" in e:
        parts.append(f"已评分 {e['scored']:,} 个所-期间")
    if "same_as_single" in e:
        parts.append("输出与单进程逐字节一致" if e["same_as_single"] else "输出与单进程不一致")
    if e.get("exit"):
        parts.append(f"退出码 {e['exit']}")
    if e.get("privacy"):
        parts.append(f"隐私检查未通过(未发布):{e['privacy']}")
    if "inflated_mb" in e:
        parts.append(f"解压后 {e['inflated_mb']:,.0f} MB")
    return ";".join(parts)


_EXPLANATION = (
    "- **下限**:python-calamine 单进程读出每个工作簿的全部单元格,是“读取”本身的代价;"
    "仅解压 zip 成员则是它之下的地板。完整的数据阶段还要做预检、规范化、逐格校验、跨文件检查、指标、评分,"
    "并写出 validation.json、scorecards.csv 与 hr-report.xlsx。",
    "- **并行**:读取与逐格校验分给多个进程(`--workers`,默认按 CPU 核数),"
    "结果按文件路径排序后合并,所以输出与进程数无关(上表核对了单进程与多进程的输出逐字节一致)。"
    "每个工作簿在读取它的进程里就归纳为“摘要”(各表对指标的贡献、客户编号、名册检查、隐私检查要用的文本),"
    "数据行不再传回主进程,所以主进程的内存与工作簿的行数无关。每个读取进程手里排着最多 16 个文件,一批一条消息;"
    "各进程都有文件排队时,主进程每次等 5 毫秒再成批收取结果,而不是每个文件醒来一次,"
    "并以一次非阻塞读取取走已到达的全部结果,少占读取进程的 CPU。",
    "- **输出**:缓存文件在写输出的同时由后台线程写入磁盘;hr-report.xlsx 先生成,其 zip 由后台线程压缩"
    "(zlib 不占 GIL),同时主线程写出 validation.json 与 scorecards.csv;各部分以 deflate 级别 1 压缩"
    "(表格 XML 重复度高,比默认级别快约 3 倍),数据表直接生成不带行号的工作表 XML,按期间或业务所分组各自压缩后拼接,"
    "重跑时只需重新压缩有变化的组。",
    "- **增量缓存**:每个工作簿的摘要按“文件内容的 sha256 + 路径”存在 `.cache/workbooks/` 下,"
    "积累到一定数量后合并为一个 pack 文件;表单结构、读取器版本或读取代码一改,旧缓存自动作废。"
    "像 git 一样,`.cache/files.bin` 记住每个文件的大小、修改时间、ctime、inode 与 sha256,"
    "这些都没变的文件连 sha256 都不必重算(刚刚改过的文件除外,见 `pipeline/cache.py`)。"
    "修改政策配置后全部重新评分,但无需重新读取。缓存可随时删除,`--no-cache` 可关闭。",
    "- **网站**:网站阶段 = 页面生成 + `mkdocs build --strict` + 隐私检查 + 发布;“仅 mkdocs build”"
    "是同一批页面单独构建一次。每个业务所一个页面,但不放进全站导航(否则每个页面都带上全部导航,"
    "构建时间随页数平方增长),所以曲线中每所耗时基本不变。考核结果页面(各业务所、各期间、提交情况)由另一个进程在 mkdocs 构建的同时按 mkdocs 读取的顺序生成,mkdocs 读到某页时它通常早已写好;隐私检查的词表也在 mkdocs 构建的同时准备,"
    "每个页面一写出就被扫描(各页重复的页眉、导航、页脚只扫描一次),构建结束后只需核对文件未变、再扫描其余文件。",
    "- **重跑**:每次运行在 `.cache/runs/` 留下快照(各业务所的文件状态、校验问题、考核结果及其在三个输出中的内容);"
    "重跑时只比对文件状态,只对文件有改动的业务所重新校验与评分,排名与荣誉对全部业务所重算,"
    "输出文件由快照拼出(见 `docs/guide/reading.md`)。所以“无改动重跑”与“改动一个工作簿后重跑”都不再读取"
    "其他业务所的数据,耗时主要是列出 32,000 个文件、读取快照与写出三个文件。",
    "- 每个阶段在单独的子进程中运行,耗时不含 Python 解释器启动与模块导入;峰值内存取自 "
    "`/proc/self/status` 的 VmHWM 与 `getrusage(RUSAGE_CHILDREN)`。",
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


def _stage_data(data_dir: str, out_dir: str, workers: int, cache_dir: str | None, namespace: str = "") -> dict[str, Any]:
    from .cache import WorkbookCache
    from .run import run_pipeline

    cache = WorkbookCache(cache_dir, pinned_namespace=namespace or None) if cache_dir else None
    t = time.perf_counter()
    results, code = run_pipeline(data_dir, out_dir, workers=workers, cache=cache, reuse=True)
    seconds = time.perf_counter() - t
    extra = {"seconds": seconds, "exit": code, "scorecards": len(results.scorecards),
             "workers_used": workers if workers != 1 else 0,
             "scored": sum(1 for s in results.scorecards if s.status == "scored"),
             "errors": results.dataset.error_count(), "workbooks": len(results.dataset.workbooks)}
    if cache is not None:
        extra.update(hits=cache.stats.hits, misses=cache.stats.misses, writes=cache.stats.writes)
    if hasattr(results.dataset, "rescored"):  # a rerun that reused the last run (pipeline/rerun.py)
        extra["rescored"] = len(results.dataset.rescored)
    return extra


def _stage_site(data_dir: str, work_dir: str, cache_dir: str, workers: int, namespace: str = "") -> dict[str, Any]:
    """Pages + mkdocs + privacy gate + publish, timed on results from a warm data stage."""
    from .build import BuildError, render_and_publish
    from .cache import WorkbookCache
    from .run import run_pipeline

    work = Path(work_dir)
    cache = WorkbookCache(cache_dir, pinned_namespace=namespace or None)
    results, _ = run_pipeline(data_dir, work / "out", workers=workers, cache=cache)
    extra: dict[str, Any] = {"config": str(work / "build" / "mkdocs.yml")}
    t = time.perf_counter()
    try:
        render_and_publish(results, work / "site", work_dir=work / "build", build_date="2026-01-01")
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
    from .cli import main

    os.environ["PIPELINE_CACHE_DIR"] = cache_dir
    Path(work_dir).mkdir(parents=True, exist_ok=True)
    t = time.perf_counter()
    code = main(["build", "--data", data_dir, "--site", str(Path(work_dir) / "site"), "--keep-going",
                 "--workers", str(workers)])
    return {"seconds": time.perf_counter() - t, "exit": code}


STAGES = {"inflate": _stage_inflate, "hash": _stage_hash, "calamine": _stage_calamine, "data": _stage_data,
          "site": _stage_site, "mkdocs": _stage_mkdocs, "build": _stage_build}


if __name__ == "__main__":
    sys.exit(_child_main(sys.argv[1:]))
