"""The style sheet of the HTML report, inline in every page (no fonts, images or links).

Clusters are laid out only when scrolled into view (`content-visibility`); the
"only substantive changes" switch is CSS `:has()`, so the page needs no script.
"""

CSS = """
:root{--fg:#1d2125;--dim:#5f6b76;--line:#d9dee3;--panel:#f6f8fa;--link:#0b6b8a;--red:#b42318;
--ins:#d3f5dc;--ins-fg:#0b5d1e;--del:#fde0dc;--del-fg:#9b1c1c;--mark:#fff0a6;--edge:#fbe7b5}
*{box-sizing:border-box}
body{margin:0;color:var(--fg);background:#fff;font:15px/1.55 system-ui,-apple-system,
"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
main{max-width:1180px;margin:0 auto;padding:0 24px 48px}
nav{position:sticky;top:0;z-index:1;background:#1d2125;color:#fff;font-size:14px}
nav div{max-width:1180px;margin:0 auto;padding:8px 24px;display:flex;gap:18px;flex-wrap:wrap;
align-items:center}
nav a{color:#fff;text-decoration:none}nav a:hover{text-decoration:underline}
nav label{margin-left:auto;cursor:pointer}
h1{font-size:24px;margin:20px 0 8px}
h2{font-size:19px;margin:36px 0 8px;padding-bottom:4px;border-bottom:2px solid var(--line)}
h3{font-size:15px;margin:0 0 4px;font-weight:600}h3 a{color:var(--link)}
section[id]{scroll-margin-top:52px}
.summary{display:grid;grid-template-columns:repeat(auto-fill,minmax(128px,1fr));gap:10px;
margin:12px 0}
.summary a{padding:8px 12px;background:var(--panel);border:1px solid var(--line);
border-radius:6px;color:inherit;text-decoration:none}
.summary b{display:block;font-size:20px}.summary span{color:var(--dim);font-size:13px}
.summary .alert{border-color:var(--red)}.summary .alert b{color:var(--red)}
.params,.legend{color:var(--dim);font-size:13px}.params code{color:var(--fg)}
.note{color:var(--dim);font-style:italic}
.cluster.versions{opacity:.8}.versions-of{color:var(--dim);font-size:13px;margin-left:8px}
.cluster,.pair{border:1px solid var(--line);border-left:5px solid #3b82c4;border-radius:6px;
padding:10px 14px 4px;margin:0 0 14px;content-visibility:auto;contain-intrinsic-size:auto 160px}
.pair{border-left-color:#8b5cf6}
.cluster.substantive,.pair.substantive{border-left-color:var(--red)}
.head{color:var(--dim);font-weight:400}
.flag{color:#fff;background:var(--red);border-radius:3px;padding:0 6px;font-size:12px;
font-weight:600;margin-left:6px;white-space:nowrap}
.members{list-style:none;margin:0;padding:0}
.member{display:grid;grid-template-columns:3.2em 1fr;gap:0 10px;padding:6px 0;
border-top:1px solid var(--line)}
.sim{font-size:13px;font-variant-numeric:tabular-nums;color:var(--dim);text-align:right}
.place{font-size:13px}.para{color:var(--link);font-weight:600}.role{color:var(--dim)}
.text{margin:2px 0 4px;white-space:pre-wrap;overflow-wrap:anywhere;max-width:75em}
.same{color:var(--dim);font-style:italic;margin-left:8px}
.badge{display:inline-block;font-size:12px;line-height:18px;padding:0 6px;margin-left:4px;
border-radius:3px;border:1px solid var(--line);color:var(--dim);font-style:normal}
.badge.substantive{background:var(--red);border-color:var(--red);color:#fff;font-weight:700}
.badge.edge{background:var(--edge);border-color:#d9a520;color:#5c4200;font-weight:600}
ins{background:var(--ins);color:var(--ins-fg);text-decoration:underline 2px;
text-underline-offset:2px;padding:0 2px}
del{background:var(--del);color:var(--del-fg);text-decoration:line-through 2px;padding:0 1px}
mark{background:var(--mark);color:inherit}
table{border-collapse:collapse;width:100%;font-size:14px}
th,td{text-align:left;vertical-align:top;padding:6px 8px;border-bottom:1px solid var(--line)}
th{font-size:13px;color:var(--dim);font-weight:600}
td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
details>summary{cursor:pointer;color:var(--link)}
.index{margin-bottom:12px}
.index ol{columns:2 460px;font-size:13px;padding-left:3.2em;margin:8px 0}
.index li{overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.index a{color:var(--link)}.index li.substantive a{color:var(--red);font-weight:600}
.snippet{color:var(--dim)}
.places{margin:4px 0 0;padding-left:18px;font-size:13px;white-space:normal}
.relation{border:1px solid var(--line);border-left:5px solid #1f4f99;border-radius:6px;
padding:10px 14px 8px;margin:0 0 14px;content-visibility:auto;contain-intrinsic-size:auto 240px}
.relation.substantive{border-left-color:var(--red)}
.relation h3{font-size:16px}.sides{font-size:13px;color:var(--dim);margin:0 0 6px}
.relation td.p{white-space:nowrap;color:var(--link);font-weight:600}
.source{color:var(--dim);font-size:12px;margin-left:4px}
ins.p,del.p{outline:2px solid currentColor;outline-offset:1px;padding:0 4px;margin:0 2px;
font-weight:700}
.marks{color:#7a4d00;font-size:13px;margin:0 0 4px}.marks::before{content:"↳ "}
details.more{font-size:12px;color:var(--dim);margin:2px 0 6px}
details.more>summary{color:var(--dim)}
.how{margin:6px 0 0;font-size:13px;color:var(--dim)}.how dl{margin:6px 0}
.how dt{float:left;clear:left;width:13em;color:var(--fg)}.how dd{margin:0 0 2px 13.5em}
body:has(#only-substantive:checked) :is(.relation,.cluster,.pair,.index li):not(.substantive){
display:none}
"""
