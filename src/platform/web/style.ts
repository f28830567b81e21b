// One small stylesheet, inlined: calm, readable, mobile-first, contrast at least WCAG AA.
export const STYLE = `
:root{--fg:#1d2327;--muted:#50575e;--bg:#fbfaf7;--card:#fff;--line:#d7d3c8;--accent:#8a2b0f;--accent-bg:#f6e7df;--ok:#1e5e2e;--ok-bg:#e3f1e6;--err:#8c1d18;--err-bg:#fbe4e2;--focus:#1557b0}
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;color:var(--fg);background:var(--bg)}
a{color:var(--accent)}
a:focus,button:focus,input:focus,select:focus,textarea:focus,main:focus{outline:3px solid var(--focus);outline-offset:2px}
.skip{position:absolute;left:-999px}.skip:focus{left:8px;top:8px;background:#fff;padding:8px;z-index:10}
.top{background:var(--accent);color:#fff;padding:.5rem 1rem;display:flex;flex-wrap:wrap;align-items:center;gap:.5rem 1.5rem}
.top a,.top button.link{color:#fff}
.brand{font-weight:700;font-size:1.25rem;text-decoration:none}
.top ul{list-style:none;margin:0;padding:0;display:flex;flex-wrap:wrap;gap:.25rem 1rem}
.top a[aria-current=page]{font-weight:700;text-decoration-thickness:3px}
main{max-width:60rem;margin:0 auto;padding:1rem}
h1{font-size:1.6rem;margin:.5rem 0 1rem}
h2{font-size:1.25rem;margin:1.5rem 0 .5rem}
footer{max-width:60rem;margin:2rem auto;padding:1rem;border-top:1px solid var(--line);color:var(--muted)}
form.inline{display:inline}
button,.button{font:inherit;padding:.55rem 1rem;border-radius:6px;border:1px solid var(--accent);background:var(--accent);color:#fff;cursor:pointer;text-decoration:none;display:inline-block}
button.secondary,.button.secondary{background:#fff;color:var(--accent)}
button.link{background:none;border:none;padding:0;text-decoration:underline;color:var(--accent)}
label{display:block;font-weight:600;margin:.75rem 0 .25rem}
form.inline label,footer label{display:inline}
input[type=text],input[type=email],input[type=search],input[type=tel],input[type=date],input[type=number],select,textarea{font:inherit;padding:.5rem;border:1px solid #8c8f94;border-radius:6px;width:100%;max-width:32rem;background:#fff;color:var(--fg)}
footer select{width:auto}
input.code{font-size:1.5rem;letter-spacing:.3em;max-width:12rem;font-variant-numeric:tabular-nums}
.hint{color:var(--muted);font-size:.925rem;margin:.25rem 0}
.notice{padding:.75rem 1rem;border-radius:6px;margin:1rem 0;border-left:5px solid;overflow-wrap:anywhere}
.notice.ok{background:var(--ok-bg);border-color:var(--ok)}
.notice.error{background:var(--err-bg);border-color:var(--err)}
.notice.info{background:var(--accent-bg);border-color:var(--accent)}
.card{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:1rem;margin:1rem 0}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(15rem,1fr));gap:1rem}
.cards .card{margin:0}
.card>h2:first-child,.card>h3:first-child{margin-top:0}
table{border-collapse:collapse;width:100%;background:#fff}
th,td{border-bottom:1px solid var(--line);padding:.4rem .5rem;text-align:left;vertical-align:top}
th{background:#f1eee6}
.table-wrap{overflow-x:auto}
ul.plain{list-style:none;padding:0}
ul.plain li{padding:.3rem 0;border-bottom:1px solid var(--line)}
.muted{color:var(--muted)}
.tag{display:inline-block;padding:0 .4rem;border-radius:4px;background:var(--accent-bg);font-size:.85rem}
code{overflow-wrap:anywhere}
pre{overflow-x:auto}
pre.mail{white-space:pre-wrap;word-break:break-word;background:#fff;border:1px solid var(--line);padding:1rem;font-size:.9rem}
progress{width:100%;max-width:32rem;height:1.25rem}
.error-row td{background:var(--err-bg)}
@media (max-width:40rem){main{padding:.75rem}h1{font-size:1.35rem}}
`;
