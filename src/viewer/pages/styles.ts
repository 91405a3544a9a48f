/** Stylesheet of the viewer's own pages (served as /static/viewer.css; the pages allow no inline style). */
export const PAGE_CSS = `
:root{--fg:#1f2328;--muted:#59636e;--border:#d1d9e0;--bg2:#f6f8fa;--link:#0969da;--ok:#1a7f37;--bad:#cf222e;--run:#0969da;--warn:#9a6700}
*{box-sizing:border-box}
body{margin:0;font:14px/1.5 -apple-system,"Segoe UI",Helvetica,Arial,sans-serif;color:var(--fg);background:#fff}
a{color:var(--link);text-decoration:none}a:hover{text-decoration:underline}
header.top{display:flex;gap:18px;align-items:center;padding:8px 20px;border-bottom:1px solid var(--border);background:var(--bg2)}
header.top .brand{font-weight:600;color:var(--fg)}
header.top nav a{margin-right:14px;color:var(--muted)}header.top nav a.current{color:var(--fg);font-weight:600}
main{padding:12px 20px 40px}
h1{font-size:20px;margin:6px 0 10px;word-break:break-all}
h2{font-size:16px;margin:18px 0 8px}
.crumbs{font-size:13px;color:var(--muted);margin-bottom:4px;word-break:break-all}.crumbs a{color:var(--link)}
table.list{border-collapse:collapse;width:100%;font-size:13px}
table.list th,table.list td{border-bottom:1px solid var(--border);padding:4px 8px;text-align:left;vertical-align:top}
table.list th{background:var(--bg2);white-space:nowrap}
table.list td.num,table.list th.num{text-align:right;white-space:nowrap}
table.kv{border-collapse:collapse;font-size:13px;margin:4px 0}
table.kv th{text-align:left;color:var(--muted);font-weight:500;padding:2px 12px 2px 0;vertical-align:top;white-space:nowrap}
table.kv td{padding:2px 0;font-family:ui-monospace,SFMono-Regular,Menlo,monospace;word-break:break-all}
.status{display:inline-block;padding:0 8px;border-radius:10px;font-size:12px;font-weight:600;color:#fff;background:#8c959f;white-space:nowrap}
.status.completed,.status.COMPLETED{background:var(--ok)}
.status.failed,.status.FAILED,.status.FAILED_WITH_TERMINAL_ERROR,.status.TIMED_OUT,.status.TERMINATED{background:var(--bad)}
.status.running,.status.RUNNING,.status.IN_PROGRESS,.status.SCHEDULED{background:var(--run)}
.status.PAUSED,.status.pending{background:var(--warn)}
.toolbar{display:flex;flex-wrap:wrap;gap:8px;align-items:center;margin:8px 0}
.toolbar a,.toolbar button{border:1px solid var(--border);border-radius:6px;padding:3px 10px;background:#fff;font-size:13px;color:var(--fg)}
.toolbar a.on{background:var(--fg);color:#fff}
form.filter{display:flex;flex-wrap:wrap;gap:8px;align-items:center;margin:8px 0}
form.filter input,form.filter select{padding:3px 6px;border:1px solid var(--border);border-radius:6px;font:inherit}
.banner{border:1px solid var(--bad);background:#fff0f0;border-radius:6px;padding:8px 12px;margin:8px 0}
.banner .ename{font-weight:600;color:var(--bad)}
.note{color:var(--muted);font-size:13px}
.facts{display:flex;flex-wrap:wrap;gap:4px 28px}
.pager{margin:10px 0;display:flex;gap:12px;align-items:center;font-size:13px}
iframe.notebook{display:block;width:100%;height:calc(100vh - 48px);border:1px solid var(--border);border-radius:6px;background:#fff}
details summary{cursor:pointer;color:var(--muted)}
pre.json{background:var(--bg2);padding:6px 8px;border-radius:6px;max-height:240px;overflow:auto;font-size:12px;margin:2px 0;white-space:pre-wrap;word-break:break-all}
svg.graph{max-width:100%;height:auto}
svg .node rect{fill:#eaeef2;stroke:#8c959f;stroke-width:1}
svg .node.COMPLETED rect{fill:#dafbe1;stroke:var(--ok)}
svg .node.FAILED rect,svg .node.FAILED_WITH_TERMINAL_ERROR rect,svg .node.TIMED_OUT rect,svg .node.CANCELED rect{fill:#ffebe9;stroke:var(--bad)}
svg .node.IN_PROGRESS rect,svg .node.SCHEDULED rect{fill:#ddf4ff;stroke:var(--run)}
svg .node.SKIPPED rect,svg .node.notrun rect{fill:#fff;stroke:#d1d9e0;stroke-dasharray:4 3}
svg .node text{font:12px sans-serif;fill:var(--fg)}svg .node text.kind{font-size:10px;fill:var(--muted)}
svg .edge{stroke:#8c959f;stroke-width:1.2;fill:none}
svg .label{font:10px sans-serif;fill:var(--muted)}
svg .bar.COMPLETED{fill:var(--ok)}svg .bar.FAILED,svg .bar.FAILED_WITH_TERMINAL_ERROR,svg .bar.TIMED_OUT{fill:var(--bad)}
svg .bar{fill:#8c959f}svg .bar.IN_PROGRESS,svg .bar.SCHEDULED{fill:var(--run)}
svg .tl-label{font:11px sans-serif;fill:var(--fg)}svg .tl-axis{font:10px sans-serif;fill:var(--muted)}
svg .tl-grid{stroke:#eaeef2}
.attempt{border:1px solid var(--border);border-radius:6px;padding:6px 10px;margin:6px 0}
.attempt.failed{border-color:var(--bad)}
.task h3{font-size:14px;margin:14px 0 4px}
`;
