/** Stylesheet of the rendered notebook document (inlined into it: the sandboxed document loads no CSS). */
export const DOCUMENT_CSS = `
:root{--fg:#1f2328;--muted:#59636e;--border:#d1d9e0;--code-bg:#f6f8fa;--err-bg:#fff0f0;--err:#cf222e;--ok:#1a7f37}
*{box-sizing:border-box}
body{margin:0;padding:16px 20px 48px;font:14px/1.5 -apple-system,"Segoe UI",Helvetica,Arial,sans-serif;color:var(--fg);background:#fff}
main{max-width:1100px;margin:0 auto}
.cell{display:grid;grid-template-columns:88px minmax(0,1fr);gap:0 8px;margin:6px 0;padding:4px 0;border-left:3px solid transparent}
.cell.failed{border-left-color:var(--err);background:var(--err-bg)}
.cell.injected .input{outline:2px dashed #bf8700;outline-offset:-2px}
.cell:target{outline:3px solid #0969da;outline-offset:2px}
.prompt{grid-column:1;text-align:right;font:12px/1.4 ui-monospace,SFMono-Regular,Menlo,monospace;color:var(--muted);padding-top:6px;white-space:nowrap}
.prompt .took{font-size:11px;color:#8c959f}
.prompt .tag{display:block;font-size:10px;color:#9a6700}
.input,.body,.md{grid-column:2;min-width:0}
.body{overflow-x:auto;padding:3px 0}
.md{padding:0 8px}
.input pre{margin:0;padding:8px 10px;background:var(--code-bg);border:1px solid var(--border);border-radius:6px;overflow:auto}
pre{font:12.5px/1.45 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;white-space:pre-wrap;word-break:break-word}
.stream{margin:0;padding:2px 4px}
.stderr{background:#fff8e5}
.error{margin:0;padding:6px 8px;background:var(--err-bg);border-left:3px solid var(--err)}
.output-text{margin:0;padding:2px 4px}
.output-image{max-width:100%;height:auto;display:block}
.output-html table,.md table{border-collapse:collapse;margin:4px 0;font-size:13px}
.output-html th,.output-html td,.md th,.md td{border:1px solid var(--border);padding:3px 8px;text-align:right;vertical-align:top}
.output-html thead th,.md thead th{background:var(--code-bg)}
.output-html tbody tr:nth-child(odd),.md tbody tr:nth-child(odd){background:#fafbfc}
.badge{display:inline-block;font-size:11px;padding:1px 6px;border-radius:10px;background:#eaeef2;color:var(--muted);margin:2px 0}
.truncated{font-size:12px;color:var(--muted);font-style:italic}
details.output-json summary{font-size:12px;color:var(--muted);cursor:pointer}
pre.raw{background:#fbfbfb;border:1px dashed var(--border);padding:6px}
.math-error{color:var(--err)}
.md img{max-width:100%}
.md code{background:var(--code-bg);padding:1px 4px;border-radius:4px;font-size:90%}
.md pre.hljs{background:var(--code-bg);padding:8px;border-radius:6px}
.md pre.hljs code{background:none;padding:0}
.md h1,.md h2,.md h3{margin:12px 0 6px;line-height:1.25}
.md h1{font-size:1.8em}.md h2{font-size:1.45em}.md h3{font-size:1.2em}
.katex-display{overflow-x:auto;overflow-y:hidden}
.hljs-keyword,.hljs-selector-tag,.hljs-built_in,.hljs-literal{color:#cf222e}
.hljs-string,.hljs-regexp,.hljs-attr-value{color:#0a3069}
.hljs-number,.hljs-symbol{color:#0550ae}
.hljs-comment,.hljs-quote{color:#6e7781;font-style:italic}
.hljs-title,.hljs-title.function_,.hljs-section{color:#8250df}
.hljs-attr,.hljs-attribute,.hljs-variable,.hljs-params{color:#953800}
.hljs-meta,.hljs-type{color:#116329}
@media (max-width:700px){.cell{grid-template-columns:0 minmax(0,1fr)}.prompt{visibility:hidden}}
`;
