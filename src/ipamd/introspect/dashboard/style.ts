/**
 * The dashboard page's stylesheet (inlined into `/ui/` by `dashboard.ts`, allowed by its hash in the page's
 * Content-Security-Policy). No external fonts or images: system fonts, CSS gradients for the hatching.
 * Colour is never the only cue: every slot also says its state in text (visible or for screen readers).
 */
export const DASHBOARD_CSS = `
:root {
  --bg: #f4f6fa; --panel: #ffffff; --text: #1b2333; --muted: #5b6678; --line: #dde2eb;
  --accent: #ff9900; --ink: #232f3e;
  --assigned: #2456c9; --assigned-text: #ffffff;
  --warm-bg: #e6f6ec; --warm-line: #2f9e5b; --warm-text: #14532d;
  --cool-line: #c27803; --cool-text: #6b4204; --cool-a: #fff4d6; --cool-b: #fde7a9;
  --idle-bg: #f1f3f6; --idle-line: #aab2c0;
  --ok: #1f8a4c; --bad: #c62828;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif;
  font-size: 15px; line-height: 1.4; color: var(--text); background: var(--bg);
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #0f141c; --panel: #171e29; --text: #e6ebf2; --muted: #9aa6b8; --line: #2a3444; --ink: #0b1017;
    --assigned: #4f7fe8; --warm-bg: #12301f; --warm-line: #3fbf76; --warm-text: #b9f0cf;
    --cool-line: #e3a12f; --cool-text: #ffe3a8; --cool-a: #3a2c0c; --cool-b: #4d3a10;
    --idle-bg: #1e2633; --idle-line: #4a5567;
  }
}
* { box-sizing: border-box; }
body { margin: 0; }
[hidden] { display: none !important; }
.muted { color: var(--muted); }
.top .muted { color: #aab4c3; }
.sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
code, .mono { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 0.92em; }
a { color: inherit; }
:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }

.top { display: flex; flex-wrap: wrap; align-items: center; gap: 12px 32px; padding: 14px 28px;
  background: var(--ink); color: #f3f5f8; border-bottom: 3px solid var(--accent); }
.brand { display: flex; align-items: center; gap: 12px; min-width: 0; }
.logo { width: 34px; height: 34px; border-radius: 8px; flex: none;
  background: linear-gradient(135deg, var(--accent) 0 50%, #ffb84d 50% 100%); }
.top h1 { margin: 0; font-size: 0.8rem; font-weight: 600; letter-spacing: 0.08em; text-transform: uppercase; color: #c8d0dc; }
.node { margin: 0; font-size: 1.25rem; font-weight: 700; overflow-wrap: anywhere; }
.facts { display: flex; flex-wrap: wrap; gap: 4px 22px; margin: 0; }
.facts div { display: flex; flex-direction: column; }
.facts dt { font-size: 0.72rem; text-transform: uppercase; letter-spacing: 0.06em; color: #aab4c3; }
.facts dd { margin: 0; font-weight: 600; }
.live { margin-left: auto; display: flex; align-items: center; gap: 10px; font-size: 0.88rem; color: #dfe5ee; white-space: nowrap; }
.live #live-text { font-weight: 700; }
.dot { width: 10px; height: 10px; border-radius: 50%; background: #8a94a6; flex: none; }
.live.ok .dot { background: #3ddc84; box-shadow: 0 0 0 3px rgba(61, 220, 132, 0.25); }
.live.down .dot { background: #ff5252; box-shadow: 0 0 0 3px rgba(255, 82, 82, 0.25); }

main { padding: 20px 28px 8px; display: grid; gap: 18px; max-width: 1500px; }
.tiles { display: grid; grid-template-columns: repeat(auto-fit, minmax(170px, 1fr)); gap: 12px; }
.tile { background: var(--panel); border: 1px solid var(--line); border-radius: 10px; padding: 12px 16px; }
.tile .label { font-size: 0.78rem; text-transform: uppercase; letter-spacing: 0.06em; color: var(--muted); }
.tile .value { font-size: 1.7rem; font-weight: 700; font-variant-numeric: tabular-nums; }
.tile .value small { font-size: 1rem; font-weight: 600; color: var(--muted); }
.tile .note { font-size: 0.82rem; color: var(--muted); }
.tile.assigned { border-top: 4px solid var(--assigned); }
.tile.warm { border-top: 4px solid var(--warm-line); }
.tile.cooldown { border-top: 4px solid var(--cool-line); }

.panel { background: var(--panel); border: 1px solid var(--line); border-radius: 10px; padding: 14px 18px; min-width: 0; }
.panel h2 { margin: 0; font-size: 1.05rem; }
.panel h2 .mode { font-size: 0.85rem; font-weight: 500; color: var(--muted); margin-left: 6px; }
.panel-head { display: flex; flex-wrap: wrap; align-items: center; justify-content: space-between; gap: 8px 24px; }
.legend { display: flex; flex-wrap: wrap; gap: 6px 18px; margin: 0; padding: 0; list-style: none; font-size: 0.88rem; color: var(--muted); }
.legend li { display: flex; align-items: center; gap: 6px; }
.swatch { width: 18px; height: 14px; border-radius: 3px; border: 2px solid transparent; }
.plan { margin: 8px 0 4px; color: var(--muted); font-size: 0.9rem; }
.plan b { color: var(--text); }
.empty { color: var(--muted); font-style: italic; margin: 10px 0; }

.eni { display: grid; grid-template-columns: 220px 1fr; gap: 16px; padding: 14px 0; border-top: 1px solid var(--line); }
.eni:first-of-type { border-top: none; }
.eni-meta { min-width: 0; }
.eni-name { display: flex; align-items: baseline; gap: 8px; flex-wrap: wrap; }
.eni-name .dev { font-size: 1.2rem; font-weight: 700; }
.badge { font-size: 0.72rem; font-weight: 700; text-transform: uppercase; letter-spacing: 0.05em; padding: 1px 7px;
  border-radius: 999px; border: 1px solid var(--line); color: var(--muted); }
.badge.primary { border-color: var(--accent); color: #9a5b00; }
.eni-meta p { margin: 2px 0; font-size: 0.86rem; color: var(--muted); overflow-wrap: anywhere; }
.eni-meta .counts { color: var(--text); }

.slots { display: grid; grid-template-columns: repeat(auto-fill, minmax(112px, 1fr)); gap: 6px; margin: 0; padding: 0;
  list-style: none; align-content: start; }
.slot { min-width: 0; min-height: 56px; border-radius: 6px; padding: 4px 7px; border: 2px solid transparent;
  display: flex; flex-direction: column; justify-content: center; overflow: hidden; }
.slot .ip { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 0.72rem; opacity: 0.9; }
.slot .what { font-size: 0.78rem; font-weight: 600; line-height: 1.2; word-break: break-all;
  display: -webkit-box; -webkit-box-orient: vertical; -webkit-line-clamp: 2; overflow: hidden; }
.slot.assigned, .swatch.assigned { background: var(--assigned); color: var(--assigned-text); }
.slot.warm, .swatch.warm { background: var(--warm-bg); border-color: var(--warm-line); color: var(--warm-text); }
.slot.warm .what { font-weight: 500; }
.slot.cooldown, .swatch.cooldown { color: var(--cool-text); border-color: var(--cool-line); border-style: dashed;
  background: repeating-linear-gradient(135deg, var(--cool-a) 0 6px, var(--cool-b) 6px 12px); }
.swatch.prefix { border: 2px solid var(--idle-line); background: var(--idle-bg); }
.slot.empty-slot, .swatch.empty-slot { border: 2px dotted var(--idle-line); background: transparent; color: var(--muted); }
.slot.empty-slot .what { font-weight: 400; font-size: 0.74rem; }
.unused .slot { filter: grayscale(1); opacity: 0.55; }

.prefixes { display: flex; flex-wrap: wrap; gap: 10px; }
.prefix { border: 2px solid var(--idle-line); background: var(--idle-bg); border-radius: 8px; padding: 6px 8px 8px; }
.prefix-head { display: flex; justify-content: space-between; gap: 12px; font-size: 0.8rem; margin-bottom: 5px; }
.prefix-head .mono { font-weight: 700; }
.prefix .slots { display: grid; grid-template-columns: repeat(8, 96px); gap: 4px; }
.prefix .slot { width: auto; min-height: 38px; padding: 2px 5px; border-width: 1px; }
.prefix .slot .what { font-size: 0.74rem; }

.cols { display: grid; grid-template-columns: minmax(280px, 1fr) minmax(420px, 2fr); gap: 18px; }
table { width: 100%; border-collapse: collapse; font-size: 0.86rem; margin-top: 8px; }
th { text-align: left; font-size: 0.74rem; text-transform: uppercase; letter-spacing: 0.05em; color: var(--muted);
  border-bottom: 1px solid var(--line); padding: 4px 8px 4px 0; }
td { padding: 5px 8px 5px 0; border-bottom: 1px solid var(--line); vertical-align: top; overflow-wrap: anywhere; }
td.num { font-variant-numeric: tabular-nums; text-align: right; }
td.nowrap, th.nowrap { white-space: nowrap; }
td.action { font-size: 0.8rem; white-space: nowrap; }
.ok { color: var(--ok); font-weight: 600; }
.bad { color: var(--bad); font-weight: 600; }
.subnet-list { list-style: none; margin: 8px 0 0; padding: 0; }
.subnet-list li { padding: 8px 0; border-bottom: 1px solid var(--line); font-size: 0.86rem; }
.subnet-list .row { display: flex; justify-content: space-between; gap: 12px; flex-wrap: wrap; }
.subnet-list .row .mono { font-weight: 600; }
.subnet-list .bar { margin: 5px 0 3px; }
.bar { height: 8px; border-radius: 4px; background: var(--idle-bg); border: 1px solid var(--line); overflow: hidden; min-width: 80px; }
.bar span { display: block; height: 100%; background: var(--warm-line); }
.errors { margin: 12px 0 0; padding: 0; list-style: none; }
.errors li { border-left: 4px solid var(--bad); padding: 4px 10px; margin-top: 6px; font-size: 0.86rem; }
footer { padding: 6px 28px 20px; color: var(--muted); font-size: 0.8rem; }
@media (max-width: 1100px) {
  .eni .slots.rack { grid-template-columns: repeat(auto-fill, minmax(112px, 1fr)) !important; }
}
@media (max-width: 900px) {
  .eni, .cols { grid-template-columns: 1fr; }
  .live { margin-left: 0; }
}
`;
