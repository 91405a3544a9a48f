"""Writes the example notebooks in this folder (the source of truth; the .ipynb files are generated).

    .venv/bin/python notebooks/make_notebooks.py [OUT_DIR]   (default: this folder)

Every notebook: kernelspec python3, a `parameters` cell whose trailing comments are the help that
`nbconductor inspect` shows, the one-line `glue` helper (scrapbook-compatible outputs, no scrapbook
install needed), and data written only under its `data_dir` / `data_path` parameters.
Comments in parameter lines must not contain '=' (papermill's inference drops such lines).
"""
import os
import sys

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

OUT_DIR = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
KERNELSPEC = {"name": "python3", "display_name": "Python 3", "language": "python"}
LANGUAGE = {"name": "python", "file_extension": ".py", "mimetype": "text/x-python"}

# What the notebook_run worker reads back as `scraps`: exactly what scrapbook's sb.glue(name, value)
# emits for a JSON value, written with IPython alone.
GLUE = '''from IPython.display import display


def glue(name, value):
    """Record a JSON value under `name` for downstream tasks (scrapbook-compatible)."""
    display({"application/scrapbook.scrap.json+json": {"name": name, "data": value, "encoder": "json", "version": 1}},
            metadata={"scrapbook": {"name": name, "data": True, "display": False}}, raw=True)'''


def code(src, tags=None):
    return new_code_cell(src.strip("\n"), metadata={"tags": tags} if tags else {})


def md(src):
    return new_markdown_cell(src.strip("\n"))


def params(src):
    return code(src, ["parameters"])


def setup(imports):
    return code(f"{imports.strip()}\n\n{GLUE}")


def save(name, cells):
    nb = new_notebook(cells=cells, metadata={"kernelspec": KERNELSPEC, "language_info": LANGUAGE})
    for i, cell in enumerate(nb.cells):
        cell.id = f"{name.replace('_', '-')}-{i}"
    nbformat.validate(nb)
    os.makedirs(OUT_DIR, exist_ok=True)
    with open(os.path.join(OUT_DIR, f"{name}.ipynb"), "w", encoding="utf-8") as f:
        nbformat.write(nb, f)


PANDAS = """
import os

import matplotlib.pyplot as plt
import pandas as pd

%matplotlib inline
"""

RUN_DATE_CHECK = '''
import re

if not isinstance(run_date, str) or not re.fullmatch(r"\\d{4}-\\d{2}-\\d{2}", run_date):
    raise ValueError(f"run_date must be a date written YYYY-MM-DD, got {run_date!r}")
'''

# ---------------------------------------------------------------------------------------------- extract
save("extract", [
    md("""
# Extract viewing events

Generates a day of synthetic video-viewing events (title, region, device, minutes watched) for each
region and writes one CSV per region under `<data_dir>/<run_date>/`. The same `seed` and `run_date`
always give the same events, and each region's events do not depend on which other regions are
extracted. Glues `run_date`, `regions`, `row_count`, `rows_by_region`, `data_path`, `files` and
`source_uri` for the next steps.
"""),
    params("""
run_date: str = "2024-01-01"  # partition date of the events, YYYY-MM-DD
regions: list = ["us", "gb", "br", "in"]  # region codes to extract; one CSV per region
rows: int = 2000  # viewing events to generate per region
data_dir: str = "runs/data"  # the CSVs go to <data_dir>/<run_date>/<region>.csv
seed: int = 42  # random seed; the same seed and run_date give the same events
source_uri: str = ""  # where the landed data came from (recorded in the scraps; the events are synthetic)
"""),
    setup("""
import datetime as dt
import zlib

import numpy as np
""" + PANDAS),
    code(RUN_DATE_CHECK + '''
if isinstance(regions, str):  # "us,gb" from a command line
    regions = regions.split(",")
regions = [str(r).strip().lower() for r in regions if str(r).strip()]
if not regions:
    raise ValueError("regions is empty: give at least one region code, e.g. ['us', 'gb']")
if int(rows) < 0:
    raise ValueError(f"rows must be zero or more, got {rows!r}")
day = dt.date.fromisoformat(run_date)
'''),
    md("A shared catalogue; every region likes the titles a little differently."),
    code('''
TITLES = [
    "Midnight Harbor", "The Glass Orchard", "Signal Lost", "Paper Kingdoms", "Northbound",
    "The Quiet Heist", "Saltwater Saints", "Echo Valley", "Iron Lanterns", "The Last Cartographer",
    "Neon Monsoon", "Hollow Crown Street", "Second Sunrise", "The Velvet Archive", "Red Desert Radio",
    "Tidal", "Borrowed Time", "The Orchid Files", "Kite Runners of Pune", "Copper Canyon",
]
DEVICES = ["tv", "mobile", "tablet", "web"]
base = 1.0 / np.arange(1, len(TITLES) + 1) ** 0.8  # a long tail, as viewing usually has


def events_for(region):
    # One generator per (seed, day, region): stable across runs and independent of the other regions.
    rng = np.random.default_rng([int(seed), day.toordinal(), zlib.crc32(region.encode())])
    taste = base * rng.lognormal(0.0, 0.6, len(TITLES))
    n = int(rows)
    return pd.DataFrame({
        "event_time": pd.Timestamp(day) + pd.to_timedelta(rng.integers(0, 86_400, n), unit="s"),
        "region": [region] * n,
        "title": rng.choice(TITLES, size=n, p=taste / taste.sum()),
        "device": rng.choice(DEVICES, size=n, p=[0.55, 0.25, 0.08, 0.12]),
        "minutes": np.clip(rng.gamma(2.0, 18.0, n).round(), 1, 240).astype(int),
    }).sort_values("event_time", ignore_index=True)


by_region = {region: events_for(region) for region in regions}
events = pd.concat(by_region.values(), ignore_index=True)
events.head()
'''),
    code('''
data_path = os.path.abspath(os.path.join(data_dir, day.isoformat()))
os.makedirs(data_path, exist_ok=True)
files = {}
for region, frame in by_region.items():
    files[region] = os.path.join(data_path, f"{region}.csv")
    partial = f"{files[region]}.{os.getpid()}.tmp"  # write, then rename: readers never see half a file
    frame.to_csv(partial, index=False)
    os.replace(partial, files[region])
print(f"wrote {len(events)} events for {len(files)} regions to {data_path}")
'''),
    code('''
per_device = events.groupby(["region", "device"]).size().unstack(fill_value=0).reindex(regions).fillna(0)
if len(events):
    ax = per_device.plot.bar(stacked=True, figsize=(6, 3.5), rot=0, title=f"Viewing events on {day}")
    ax.set_ylabel("events")
    ax.legend(title="device", bbox_to_anchor=(1.02, 1), loc="upper left")
    plt.tight_layout()
    plt.show()
per_device
'''),
    code('''
glue("run_date", day.isoformat())
glue("regions", regions)
glue("row_count", int(len(events)))
glue("rows_by_region", {region: int(len(frame)) for region, frame in by_region.items()})
glue("data_path", data_path)
glue("files", files)
glue("source_uri", source_uri)
'''),
])

# ---------------------------------------------------------------------------------------- ingest_landed
save("ingest_landed", [
    md("""
# Ingest a file that landed in S3

The first step of `nb_s3_landed`, started by an S3 event notification (ObjectCreated) through an SQS
event handler. Reads the landed CSV of viewing events (`event_time`, `region`, `title`, `device`,
`minutes`) from `s3://<bucket>/<key>`, checks it, and writes one CSV per region under
`<data_dir>/<run_date>/`, the layout `extract` produces, so the same `vid_agg` and `report` notebooks
follow. Glues the same scraps as `extract`, plus `bytes`.

S3 is reached with the standard AWS variables of the kernel's environment (`AWS_ENDPOINT_URL_S3` or
`AWS_ENDPOINT_URL`, `AWS_REGION`, `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`),
which the worker passes on from its own S3 settings. The request is signed with the standard library
so the notebook needs no extra package; with boto3 installed, `boto3.client("s3").get_object(...)` reads
the same settings.
"""),
    params("""
bucket: str = "landing"  # S3 bucket the file landed in (from the event notification)
key: str = "views/2024-01-01.csv"  # object key, URL-encoded as S3 event notifications send it
data_dir: str = "runs/data"  # the region CSVs go to <data_dir>/<run_date>/<region>.csv
"""),
    setup("""
import datetime as dt
import hashlib
import hmac
import io
import os
import re
import urllib.error
import urllib.parse
import urllib.request

import pandas as pd
"""),
    code('''
def s3_get(bucket, key):
    """GET one object, signed with AWS Signature Version 4 from the kernel's AWS_* environment."""
    env = os.environ
    if not env.get("AWS_ACCESS_KEY_ID") or not env.get("AWS_SECRET_ACCESS_KEY"):
        raise RuntimeError("no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY for the worker")
    region = env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "us-east-1"
    endpoint = env.get("AWS_ENDPOINT_URL_S3") or env.get("AWS_ENDPOINT_URL")
    path = "/" + urllib.parse.quote(key, safe="/~")
    if endpoint:  # an S3-compatible server: path-style addressing
        base = urllib.parse.urlsplit(endpoint)
        scheme, host, path = base.scheme, base.netloc, base.path.rstrip("/") + "/" + bucket + path
    else:
        scheme, host = "https", f"{bucket}.s3.{region}.amazonaws.com"
    now = dt.datetime.now(dt.timezone.utc)
    stamp, day = now.strftime("%Y%m%dT%H%M%SZ"), now.strftime("%Y%m%d")
    headers = {"host": host, "x-amz-content-sha256": hashlib.sha256(b"").hexdigest(), "x-amz-date": stamp}
    if env.get("AWS_SESSION_TOKEN"):
        headers["x-amz-security-token"] = env["AWS_SESSION_TOKEN"]
    names = sorted(headers)
    canonical = "\\n".join(["GET", path, "", *(f"{n}:{headers[n]}" for n in names), "", ";".join(names),
                           headers["x-amz-content-sha256"]])
    scope = f"{day}/{region}/s3/aws4_request"
    to_sign = "\\n".join(["AWS4-HMAC-SHA256", stamp, scope, hashlib.sha256(canonical.encode()).hexdigest()])
    signing_key = ("AWS4" + env["AWS_SECRET_ACCESS_KEY"]).encode()
    for part in (day, region, "s3", "aws4_request"):
        signing_key = hmac.new(signing_key, part.encode(), hashlib.sha256).digest()
    signature = hmac.new(signing_key, to_sign.encode(), hashlib.sha256).hexdigest()
    headers["authorization"] = (f"AWS4-HMAC-SHA256 Credential={env['AWS_ACCESS_KEY_ID']}/{scope}, "
                                f"SignedHeaders={';'.join(names)}, Signature={signature}")
    del headers["host"]  # urllib sends the same Host itself
    try:
        with urllib.request.urlopen(urllib.request.Request(f"{scheme}://{host}{path}", headers=headers),
                                    timeout=60) as response:
            return response.read()
    except urllib.error.HTTPError as err:
        detail = err.read(300).decode("utf-8", "replace")
        raise RuntimeError(f"reading s3://{bucket}/{key} failed: HTTP {err.code} {detail}") from None
'''),
    code('''
if not re.fullmatch(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]", bucket or ""):
    raise ValueError(f"bucket must be an S3 bucket name, got {bucket!r}")
object_key = urllib.parse.unquote_plus(key or "")  # notifications encode keys: spaces as +, others as %XX
if not object_key:
    raise ValueError("key is empty: the event named no object")
source_uri = f"s3://{bucket}/{object_key}"
raw = s3_get(bucket, object_key)
print(f"read {len(raw)} bytes from {source_uri}")
'''),
    code('''
COLUMNS = ["event_time", "region", "title", "device", "minutes"]
events = pd.read_csv(io.BytesIO(raw))
missing = [c for c in COLUMNS if c not in events.columns]
if missing:
    raise ValueError(f"{source_uri} lacks the columns {missing} (it has {list(events.columns)})")
events = events[COLUMNS].copy()
events["event_time"] = pd.to_datetime(events["event_time"], errors="coerce")
events["region"] = events["region"].astype(str).str.strip().str.lower()
events["minutes"] = pd.to_numeric(events["minutes"], errors="coerce")
bad = events[events["event_time"].isna() | events["minutes"].isna() | (events["minutes"] < 0)]
if len(bad):
    raise ValueError(f"{source_uri}: {len(bad)} rows have no valid event_time or minutes, e.g. rows {list(bad.index[:5])}")
# Region codes become file names: letters only.
odd = sorted(r for r in events["region"].unique() if not re.fullmatch(r"[a-z]{2,8}", r))
if odd:
    raise ValueError(f"{source_uri}: region codes must be 2-8 letters, got {odd}")
days = sorted(events["event_time"].dt.date.unique())
if len(days) != 1:
    raise ValueError(f"{source_uri} must hold one day of events, it spans {[d.isoformat() for d in days] or 'none'}")
day = days[0]
regions = sorted(events["region"].unique())
events.groupby("region").agg(events=("title", "size"), minutes=("minutes", "sum"))
'''),
    code('''
data_path = os.path.abspath(os.path.join(data_dir, day.isoformat()))
os.makedirs(data_path, exist_ok=True)
files = {}
for region in regions:
    files[region] = os.path.join(data_path, f"{region}.csv")
    partial = f"{files[region]}.{os.getpid()}.tmp"  # write, then rename: readers never see half a file
    events[events["region"] == region].sort_values("event_time").to_csv(partial, index=False)
    os.replace(partial, files[region])
print(f"wrote {len(events)} events for {len(files)} regions to {data_path}")
'''),
    code('''
glue("run_date", day.isoformat())
glue("regions", regions)
glue("row_count", int(len(events)))
glue("rows_by_region", {region: int((events["region"] == region).sum()) for region in regions})
glue("data_path", data_path)
glue("files", files)
glue("source_uri", source_uri)
glue("bytes", len(raw))
'''),
])

# ---------------------------------------------------------------------------------------------- vid_agg
save("vid_agg", [
    md("""
# Viewing aggregate for one region (`vid_agg`)

The template notebook of Netflix's notebook-scheduling example: the same notebook runs once per
region, parameterized by `region_code`. Loads that region's events from `data_path`, sums the minutes
watched per title and charts the top titles. Glues `region_code`, `run_date`, `event_count`,
`total_minutes`, `unique_titles`, `top_title` and `top10` (a list of `{title, minutes}`).
"""),
    params("""
region_code: str = "us"  # region to aggregate; reads <data_path>/<region_code>.csv
run_date: str = "2024-01-01"  # partition date of the data, YYYY-MM-DD (shown in the chart)
data_path: str = "runs/data/2024-01-01"  # directory holding the region CSVs (extract's data_path scrap)
top_n: int = 10  # how many titles to chart and to return in top10
label: str = ""  # optional subtitle for the chart, e.g. rendered by a worker template
"""),
    setup(PANDAS),
    code('''
csv_path = os.path.join(data_path, f"{region_code}.csv")
if not os.path.isfile(csv_path):
    known = sorted(f[:-4] for f in os.listdir(data_path) if f.endswith(".csv")) if os.path.isdir(data_path) else []
    raise FileNotFoundError(
        f"no data for region {region_code!r}: {csv_path} does not exist "
        f"(regions with data there: {', '.join(known) or 'none'})"
    )
events = pd.read_csv(csv_path, parse_dates=["event_time"])
print(f"{len(events)} events for {region_code} from {csv_path}")
'''),
    code('''
by_title = (
    events.groupby("title", as_index=False)
    .agg(minutes=("minutes", "sum"), views=("minutes", "size"))
    .sort_values(["minutes", "title"], ascending=[False, True], ignore_index=True)
)
top = by_title.head(int(top_n))
top
'''),
    code('''
fig, ax = plt.subplots(figsize=(7, 4))
ax.barh(top["title"][::-1], top["minutes"][::-1], color="#b20710")
ax.set_xlabel("minutes watched")
ax.set_title(f"Top {len(top)} titles in {region_code.upper()} on {run_date}" + (f"\\n{label}" if label else ""))
plt.tight_layout()
plt.show()
'''),
    code('''
glue("region_code", region_code)
glue("run_date", run_date)
glue("event_count", int(len(events)))
glue("total_minutes", int(events["minutes"].sum()))
glue("unique_titles", int(events["title"].nunique()))
glue("top_title", str(top["title"].iloc[0]) if len(top) else None)
glue("top10", [{"title": str(t), "minutes": int(m)} for t, m in zip(top["title"], top["minutes"])])
'''),
])

# ---------------------------------------------------------------------------------------- quality_check
save("quality_check", [
    md("""
# Quality check

Counts the extracted rows (from the CSVs in `files` when given, else trusting `row_count`) and checks
them. Glues `status` for a SWITCH: `ok`, `low_volume` (fewer than `min_rows` rows) or `invalid` (the
files contradict `row_count`, or hold impossible values); plus `checked_rows`, `rows_by_region`,
`problems` and a one-line `reason`.
"""),
    params("""
row_count: int = 0  # rows the extract step reports (its row_count scrap)
files: dict = {}  # region -> CSV path (extract's files scrap); when given, rows are counted from the files
min_rows: int = 1000  # fewer rows than this in total is low volume
"""),
    setup(PANDAS),
    code('''
problems = []
rows_by_region = {}
for region, path in sorted((files or {}).items()):
    if not os.path.isfile(path):
        problems.append(f"{region}: {path} is missing")
        continue
    frame = pd.read_csv(path)
    rows_by_region[region] = int(len(frame))
    missing = int(frame[["title", "minutes"]].isna().any(axis=1).sum())
    if missing:
        problems.append(f"{region}: {missing} rows without a title or minutes")
    bad = int((frame["minutes"] <= 0).sum())
    if bad:
        problems.append(f"{region}: {bad} rows with non-positive minutes")
if files:
    checked_rows = sum(rows_by_region.values())
    if row_count is not None and int(row_count) != checked_rows:
        problems.append(f"extract reported {row_count} rows but the files hold {checked_rows}")
else:
    checked_rows = int(row_count or 0)
print(f"checked {checked_rows} rows from {len(rows_by_region)} files; problems: {problems or 'none'}")
'''),
    code('''
if rows_by_region:
    ax = pd.Series(rows_by_region).plot.bar(figsize=(5, 3), rot=0, color="#4a6fa5", title="Rows per region")
    ax.set_ylabel("rows")
    plt.tight_layout()
    plt.show()
'''),
    code('''
if problems:
    status, reason = "invalid", "; ".join(problems)
elif checked_rows < int(min_rows):
    status, reason = "low_volume", f"only {checked_rows} rows, expected at least {int(min_rows)}"
else:
    status, reason = "ok", f"{checked_rows} rows (at least {int(min_rows)} expected)"
print(status, "-", reason)
glue("status", status)
glue("reason", reason)
glue("checked_rows", int(checked_rows))
glue("rows_by_region", rows_by_region)
glue("problems", problems)
'''),
])

# ----------------------------------------------------------------------------------------------- report
save("report", [
    md("""
# Cross-region report

Combines the per-region `vid_agg` results the fan-out gathered: a summary table, minutes per region
as a chart, and the best titles across regions. Glues `best_region`, `grand_total_minutes`,
`regions_reported`, `global_top_title` and `summary` (one row per region).
"""),
    params("""
region_results: "dict or list" = {}  # region -> that region's vid_agg scraps (what the JOIN gathered), or a list of vid_agg scraps
region_notebooks: dict = {}  # region -> URI of that region's vid_agg output notebook (listed in the report)
run_date: str = "2024-01-01"  # partition date the report covers, YYYY-MM-DD
"""),
    setup(PANDAS),
    code('''
results = region_results
if isinstance(results, list):  # a list of vid_agg scraps: key them by their region_code
    results = {r["region_code"]: r for r in results}
if not results:
    raise ValueError("region_results is empty: there is nothing to report (did every vid_agg branch fail?)")
summary = pd.DataFrame([
    {
        "region": region,
        "total_minutes": int(r["total_minutes"]),
        "events": int(r.get("event_count", 0)),
        "unique_titles": int(r.get("unique_titles", 0)),
        "top_title": r.get("top_title"),
    }
    for region, r in results.items()
]).sort_values(["total_minutes", "region"], ascending=[False, True], ignore_index=True)
grand_total = int(summary["total_minutes"].sum())
summary["share"] = (summary["total_minutes"] / grand_total).round(3) if grand_total else 0.0
summary
'''),
    code('''
ax = summary.plot.bar(x="region", y="total_minutes", legend=False, rot=0, figsize=(6, 3.5), color="#221f1f",
                      title=f"Minutes watched per region on {run_date}")
ax.set_ylabel("minutes")
plt.tight_layout()
plt.show()
'''),
    md("Titles across regions, from each region's top list (a title outside a region's top list counts 0 there)."),
    code('''
top_rows = [{"region": region, **t} for region, r in results.items() for t in (r.get("top10") or [])]
global_top = (
    pd.DataFrame(top_rows, columns=["region", "title", "minutes"])
    .groupby("title", as_index=False)["minutes"].sum()
    .sort_values(["minutes", "title"], ascending=[False, True], ignore_index=True)
)
global_top.head(10)
'''),
    code('''
for region, uri in sorted((region_notebooks or {}).items()):
    print(f"{region}: {uri}")
'''),
    code('''
glue("run_date", run_date)
glue("best_region", str(summary["region"].iloc[0]))
glue("grand_total_minutes", grand_total)
glue("regions_reported", sorted(str(r) for r in summary["region"]))
glue("global_top_title", str(global_top["title"].iloc[0]) if len(global_top) else None)
glue("summary", [
    {"region": str(row.region), "total_minutes": int(row.total_minutes), "events": int(row.events),
     "unique_titles": int(row.unique_titles), "top_title": row.top_title, "share": float(row.share)}
    for row in summary.itertuples()
])
'''),
])

# ------------------------------------------------------------------------------------------------ alert
save("alert", [
    md("""
# Low-volume alert

The other branch of the quality SWITCH: composes the alert a person would receive and glues it
(`alerted`, `severity`, `message`). A real deployment would post `message` to `channel`.
"""),
    params("""
reason: str = "row count below threshold"  # why the alert fires (quality_check's reason scrap)
row_count: int = 0  # rows the check saw
min_rows: int = 0  # the threshold that was missed
run_date: str = ""  # partition date the alert is about
channel: str = "data-quality"  # chat channel a real deployment would post the alert to
"""),
    setup(""),
    code('''
severity = "critical" if not row_count else "warning"
message = (
    f"[{severity.upper()}] viewing data for {run_date or 'an unknown date'}: {reason} "
    f"(rows {row_count}, threshold {min_rows})"
)
print(f"to {channel}: {message}")
glue("alerted", True)
glue("severity", severity)
glue("message", message)
glue("channel", channel)
'''),
])

# --------------------------------------------------------------------------------------- notify_failure
save("notify_failure", [
    md("""
# Pipeline failure notification

Run by the failure workflow (`nb_notify_failure`) with what Conductor tells it about the failed
workflow. Composes the notification, including the failed tasks' output notebooks (the record of what
went wrong), prints it and glues `notified`, `message` and `workflow_id`.
"""),
    params("""
workflow_id: str = ""  # id of the workflow that failed
workflow_type: str = ""  # name of the workflow that failed
reason: str = ""  # why it failed (Conductor's reasonForIncompletion)
failure_status: str = "FAILED"  # FAILED, TIMED_OUT or TERMINATED
failed_tasks: list = []  # reference names of the tasks that failed
failed_notebooks: list = []  # output notebooks of the failed tasks
run_date: str = ""  # the failed run's run_date input, if it had one
channel: str = "pipelines"  # chat channel a real deployment would post the notification to
"""),
    setup(""),
    code('''
tasks = [str(t) for t in (failed_tasks or []) if t]
notebooks = [str(n) for n in (failed_notebooks or []) if n]
lines = [
    f"Pipeline {workflow_type or '(unknown)'} {failure_status or 'FAILED'}: {workflow_id or '(no id)'}"
    + (f" for {run_date}" if run_date else ""),
    f"Reason: {reason or '(none given)'}",
]
if tasks:
    lines.append("Failed tasks: " + ", ".join(tasks))
lines += [f"Output notebook: {n}" for n in notebooks]
message = "\\n".join(lines)
print(f"to {channel}:\\n{message}")
'''),
    code('''
glue("notified", True)
glue("workflow_id", workflow_id)
glue("message", message)
glue("failed_notebooks", notebooks)
'''),
])

# -------------------------------------------------------------------------------------- fail_on_purpose
save("fail_on_purpose", [
    md("""
# Fail on purpose

A tiny notebook for exercising failure handling: it glues `started`, then raises `RuntimeError(message)`
when `fail` is true; otherwise it completes and glues `ok`. No pandas, so it is quick.
"""),
    params("""
fail: bool = True  # raise in the next cell; False lets the notebook complete
message: str = "failing on purpose"  # the error message (the task's error.evalue)
"""),
    setup(""),
    code('''
glue("started", True)
if fail:
    raise RuntimeError(message)
'''),
    code('glue("ok", True)'),
])
