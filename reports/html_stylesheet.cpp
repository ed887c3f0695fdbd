// report.html's stylesheet (the live dashboard inlines it too). Colours are custom properties:
// a tone class sets --c and the chart parts read it, so one list of colours serves lines, bars,
// swatches and chips, and the dark theme only redefines the list. Fonts are the system's own
// (no web font: the page loads nothing).
#include <string_view>

#include "reports/report_writers.hpp"

namespace relaylab::reports {
namespace {

constexpr std::string_view stylesheet = R"css(
:root{--bg:#f3f5f9;--card:#fff;--text:#1e2330;--muted:#667085;--border:#e4e7ec;--head:#f8f9fb;
--grid:#edf0f4;--axis:#98a2b3;--track:#f0f2f5;--code:#f2f4f7;--hover:#f8fafc;--hover-col:rgba(79,70,229,.07);
--failed-row:#fff5f5;--good:#12a150;--warn:#e08a00;--bad:#dc2626;--neutral:#98a2b3;--info:#0ea5e9;
--hero1:#1e1b4b;--hero2:#3730a3}
*{box-sizing:border-box}
html{scroll-behavior:smooth}
body{margin:0;background:var(--bg);color:var(--text);
font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;
-webkit-font-smoothing:antialiased}
nav.toc{position:sticky;top:0;z-index:5;background:#111827;border-bottom:1px solid #1f2937}
nav.toc ul{list-style:none;display:flex;flex-wrap:wrap;gap:2px;max-width:1180px;margin:0 auto;padding:0 20px}
nav.toc li:first-child a{font-weight:700;color:#fff;letter-spacing:.02em}
nav.toc a{display:block;padding:10px 10px;color:#cbd5e1;text-decoration:none;font-size:13px}
nav.toc a:hover{color:#fff;background:#1f2937}
main.report{max-width:1180px;margin:0 auto;padding:24px 20px 8px}
.run-header{display:flex;justify-content:space-between;align-items:stretch;gap:24px;
background:linear-gradient(135deg,var(--hero1),var(--hero2));color:#fff;border-radius:14px;
padding:26px 30px;margin-bottom:20px;box-shadow:0 6px 18px rgba(30,27,75,.18)}
.title-block{min-width:0}
.kicker{margin:0;font-size:11px;letter-spacing:.14em;text-transform:uppercase;opacity:.65}
.run-header h1{margin:2px 0 4px;font-size:28px;line-height:1.2;word-break:break-word}
.description{margin:0 0 16px;opacity:.85;max-width:70ch}
dl.meta{display:flex;flex-wrap:wrap;gap:10px 28px;margin:0}
dl.meta dt{font-size:11px;letter-spacing:.08em;text-transform:uppercase;opacity:.6}
dl.meta dd{margin:0;font-weight:500;font-variant-numeric:tabular-nums;word-break:break-all}
.verdict{flex:none;display:flex;flex-direction:column;justify-content:center;align-items:center;
min-width:210px;padding:16px 22px;border-radius:12px;text-align:center}
.verdict-word{font-size:30px;font-weight:800;letter-spacing:.05em;line-height:1.1}
.verdict-note{margin-top:6px;font-size:13px;opacity:.9}
.verdict-good{background:var(--good)}
.verdict-bad{background:var(--bad)}
.verdict-neutral{background:rgba(255,255,255,.14);border:1px solid rgba(255,255,255,.3)}
.run-error{margin:-6px 0 20px;padding:12px 16px;border:1px solid #fecaca;border-left:5px solid var(--bad);
border-radius:10px;background:#fef2f2;color:#991b1b;white-space:pre-wrap;word-break:break-word}
.card{background:var(--card);border:1px solid var(--border);border-radius:12px;padding:20px 24px;
margin-bottom:20px;box-shadow:0 1px 2px rgba(16,24,40,.05)}
.card h2{margin:0 0 2px;font-size:17px}
.card h3{margin:18px 0 8px;font-size:12px;letter-spacing:.06em;text-transform:uppercase;color:var(--muted)}
.lede{margin:0 0 14px;color:var(--muted)}
.tiles{display:grid;grid-template-columns:repeat(auto-fill,minmax(168px,1fr));gap:12px;margin-top:12px}
.tile{border:1px solid var(--border);border-top:3px solid var(--tile,var(--border));border-radius:10px;
padding:12px 14px;background:var(--card)}
.tile-good{--tile:var(--good)}.tile-warn{--tile:var(--warn)}.tile-bad{--tile:var(--bad)}
.tile-bad .tile-value{color:var(--bad)}
.run-cards{grid-template-columns:repeat(auto-fill,minmax(270px,1fr))}
.run-cards .tile-note{line-height:1.6}
.tile-name{font-size:11.5px;letter-spacing:.06em;text-transform:uppercase;color:var(--muted)}
.tile-value{margin-top:2px;font-size:25px;font-weight:700;line-height:1.25;font-variant-numeric:tabular-nums;
white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
.tile-note{font-size:12px;color:var(--muted);min-height:1.5em}
figure{margin:0;min-width:0}
figcaption{margin:4px 0 6px;font-size:13px;font-weight:600}
figcaption .sub{display:inline;margin-left:6px}
.grid-2,.grid-3,.grid-4{display:grid;gap:20px 24px;margin-top:14px}
.grid-2{grid-template-columns:repeat(auto-fit,minmax(420px,1fr))}
.grid-3{grid-template-columns:repeat(auto-fit,minmax(300px,1fr))}
.grid-4{grid-template-columns:repeat(auto-fit,minmax(240px,1fr))}
.grid-world{display:grid;grid-template-columns:minmax(0,2fr) minmax(240px,1fr);gap:24px}
.grid-world h3:first-child{margin-top:6px}
.table-wrap{overflow-x:auto;margin-top:12px}
table{width:100%;border-collapse:collapse;font-variant-numeric:tabular-nums}
th,td{padding:8px 10px;border-bottom:1px solid var(--border);text-align:left;vertical-align:top}
thead th{background:var(--head);font-size:11.5px;font-weight:600;letter-spacing:.05em;text-transform:uppercase;
color:var(--muted);white-space:nowrap}
tbody tr:hover{background:var(--hover)}
tbody th{font-weight:600}
.num{text-align:right;white-space:nowrap}
.sub{display:block;font-size:12px;font-weight:400;color:var(--muted)}
table.settings th{width:40%;color:var(--muted);font-weight:500}
code{padding:1px 5px;border-radius:4px;background:var(--code);
font:12.5px ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono",monospace;word-break:break-word}
.badge{display:inline-block;padding:2px 10px;border-radius:999px;font-size:12px;font-weight:700;white-space:nowrap}
.badge-good{background:#dcfce7;color:#166534}
.badge-bad{background:#fee2e2;color:#991b1b}
.badge-neutral{background:var(--code);color:var(--muted)}
.badge-warn{background:#fef3c7;color:#92400e}
pre.evidence{margin:8px 0;padding:10px 12px;border-radius:8px;background:var(--code);font-size:12px;
overflow-x:auto;white-space:pre-wrap;word-break:break-all}
details{margin:6px 0}details>summary{cursor:pointer;padding:4px 0}
.badge-best{background:#e0e7ff;color:#3730a3;margin-left:6px;font-size:10.5px;padding:1px 7px}
tr.row-failed td{background:var(--failed-row)}
td.best{background:rgba(18,161,80,.1);font-weight:700}
.chips{white-space:normal}
.chip{display:inline-block;margin:1px 4px 1px 0;padding:0 6px;border-left:3px solid var(--c,var(--border));
border-radius:4px;background:var(--code);font-size:12px;white-space:nowrap}
tr.group th{padding-top:14px;background:var(--card);border-bottom:1px solid var(--border)}
.empty{margin:10px 0;color:var(--muted);font-style:italic}
.dns{margin:10px 0 0;color:var(--muted)}
footer.page-footer{max-width:1180px;margin:0 auto;padding:4px 20px 28px;color:var(--muted);font-size:12px}
.chart{display:block;max-width:100%;height:auto;font-family:inherit;font-size:12px;overflow:visible}
.chart text{fill:var(--text)}
.chart .axis text,.chart .note,.chart .legend{fill:var(--muted)}
.chart .legend{fill:var(--text)}
.chart .note{font-size:11px}
.chart .grid line{stroke:var(--grid)}
.chart .baseline,.chart .tick{stroke:var(--axis)}
.chart .line{fill:none;stroke:var(--c);stroke-width:2;stroke-linejoin:round;stroke-linecap:round}
.chart .dots circle{fill:var(--card);stroke:var(--c);stroke-width:2}
.chart .bar,.chart .swatch{fill:var(--c)}
.chart .track{fill:var(--track)}
.chart .row-label{fill:var(--text)}
.chart .value{fill:var(--muted);font-variant-numeric:tabular-nums}
.chart .value .count{fill:var(--text);font-weight:600}
.chart .line.tone-accepted{stroke-dasharray:7 4}
.chart .in-bar{fill:#fff;font-size:11px;font-weight:600}
.chart .hover rect{fill:transparent}
.chart .hover rect:hover{fill:var(--hover-col)}
.chart .bar:hover{opacity:.8}
.chart .marker{stroke:var(--text);stroke-dasharray:4 3;opacity:.55}
.chart .marker-label{fill:var(--muted);font-size:11px}
.chart .no-data{fill:var(--muted);font-size:14px}
.tone-submitted{--c:#3b82f6}.tone-accepted{--c:#8b5cf6}.tone-delivered{--c:#10b981}
.tone-deferred{--c:#f59e0b}.tone-bounced{--c:#ef4444}.tone-rejected{--c:#db2777}
.tone-good,.chip-good{--c:var(--good)}.tone-warn,.chip-warn{--c:var(--warn)}.tone-bad,.chip-bad{--c:var(--bad)}
.tone-neutral,.chip-neutral{--c:var(--neutral)}.tone-info,.chip-info{--c:var(--info)}
.tone-p50{--c:#93c5fd}.tone-p99{--c:#1d4ed8}
@media (max-width:760px){.run-header{flex-direction:column}.grid-world{grid-template-columns:1fr}
.grid-2,.grid-3{grid-template-columns:1fr}}
@media (prefers-color-scheme:dark){:root{--bg:#0b0f17;--card:#131926;--text:#e5e7eb;--muted:#94a3b8;
--border:#243044;--head:#182033;--grid:#1e283a;--axis:#475569;--track:#1c2536;--code:#1c2536;
--hover:#172033;--hover-col:rgba(129,140,248,.12);--failed-row:rgba(220,38,38,.12)}
.badge-good{background:rgba(18,161,80,.2);color:#86efac}.badge-bad{background:rgba(220,38,38,.22);color:#fca5a5}
.badge-warn{background:rgba(217,119,6,.22);color:#fcd34d}
.run-error{background:rgba(220,38,38,.12);color:#fecaca;border-color:rgba(220,38,38,.4)}}
@media print{nav.toc{display:none}body{background:#fff}.card{break-inside:avoid;box-shadow:none}
.run-header{-webkit-print-color-adjust:exact;print-color-adjust:exact}}
)css";

}  // namespace

std::string_view html_stylesheet() {
    return stylesheet;
}

}  // namespace relaylab::reports
