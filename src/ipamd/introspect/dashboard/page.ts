/**
 * The dashboard: a live web page on ipamd's introspection listener (read-only, loopback) that draws the node's
 * ENIs as rows of address slots (assigned with the pod's name, warm, cooling down; /28 boxes in prefix mode), the
 * subnets' free addresses, max pods and the pool's recent EC2 actions, redrawn every second from `/v1/dashboard`.
 *
 * Routes (added to the introspection route table by `introspect.ts`, not listed in its reference command list):
 * - `/ui/`: the page, one self-contained HTML document with inline CSS and JS (no external asset, no CDN). Their
 *   sources are `dashboard.css` and `dashboard.js` beside this file, linted as CSS and browser JavaScript; the build
 *   step `npm run gen:assets` (scripts/inline-assets.ts, run before every compile) copies them into
 *   `assets.generated.ts`, whose constants this module inlines;
 * - `/ui`: a redirect to `/ui/`;
 * - `/v1/dashboard`: the page's data (`data.ts`).
 *
 * The page's Content-Security-Policy allows only its own inline style and script (by their SHA-256 hashes) and
 * fetches to its own origin; nothing may frame it. The script writes data with `textContent` only.
 *
 * @example
 * const routes = dashboardRoutes(source);
 * routes.get('/ui/')?.().headers?.['Content-Security-Policy']; // "default-src 'none'; script-src 'sha256-…'; …"
 */
import { createHash } from 'node:crypto';
import { dashboardDocument } from './data.js';
import { DASHBOARD_CSS, DASHBOARD_JS } from './assets.generated.js';
import type { IntrospectionSource, Route, RouteResponse } from '../source.js';

export type { DashboardDocument, DashboardEni, DashboardSlot, SlotState } from './data.js';

export const DASHBOARD_PATH = '/ui/';
export const DASHBOARD_DATA_PATH = '/v1/dashboard';

const sha256 = (text: string): string => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

/** The page's policy: its own inline style and script only, data from its own origin, no framing, no forms. */
export const DASHBOARD_CSP = [
  "default-src 'none'",
  `script-src ${sha256(DASHBOARD_JS)}`,
  `style-src ${sha256(DASHBOARD_CSS)}`,
  "connect-src 'self'",
  "img-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Slot kind, its words, and the id the script uses to show it only in the mode it applies to. */
const LEGEND: readonly (readonly [kind: string, text: string, id?: string])[] = [
  ['assigned', 'assigned to a pod (name shown)'],
  ['warm', 'warm: free for the next pod'],
  ['cooldown', 'cooling down after release'],
  ['empty-slot', 'room on the ENI, not yet allocated', 'legend-capacity'],
  ['prefix', '/28 prefix of 16 addresses', 'legend-prefix'],
];

function legendItems(): string {
  return LEGEND.map(
    ([kind, text, id]) =>
      `<li${id === undefined ? '' : ` id="${id}"`}><span class="swatch ${kind}" aria-hidden="true"></span>${text}</li>`,
  ).join('');
}

/** The whole page. The markup holds no data: the script fills it in. */
export const DASHBOARD_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>ipamd dashboard · vpc-cni</title>
<style>${DASHBOARD_CSS}</style>
</head>
<body>
<header class="top">
  <div class="brand">
    <span class="logo" aria-hidden="true"></span>
    <div><h1>vpc-cni ipamd</h1><p class="node" id="node-name">connecting…</p></div>
  </div>
  <dl class="facts" id="facts"></dl>
  <div class="live" id="live"><span class="dot" aria-hidden="true"></span>
    <div><div id="live-text" role="status" aria-live="polite">Connecting</div><div class="muted" id="updated"></div></div></div>
</header>
<main>
  <section aria-label="Summary" class="tiles" id="tiles"></section>
  <section class="panel" aria-labelledby="enis-h">
    <div class="panel-head">
      <h2 id="enis-h">ENIs and their address slots <span class="mode" id="mode"></span></h2>
      <ul class="legend" aria-label="Legend">${legendItems()}</ul>
    </div>
    <p class="plan" id="plan"></p>
    <div id="enis"><p class="empty">Loading…</p></div>
  </section>
  <div class="cols">
    <section class="panel" aria-labelledby="subnets-h"><h2 id="subnets-h">Subnets</h2><div id="subnets"></div></section>
    <section class="panel" aria-labelledby="actions-h"><h2 id="actions-h">Recent EC2 actions</h2><div id="actions"></div></section>
  </div>
</main>
<footer>Read-only view of ipamd, refreshed every second from <a href="${DASHBOARD_DATA_PATH}">${DASHBOARD_DATA_PATH}</a>.</footer>
<script>${DASHBOARD_JS}</script>
</body>
</html>
`;

const PAGE_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': DASHBOARD_CSP,
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

function page(): RouteResponse {
  return { status: 200, body: DASHBOARD_HTML, contentType: 'text/html; charset=utf-8', headers: PAGE_HEADERS };
}

function redirect(): RouteResponse {
  return { status: 308, body: '', contentType: 'text/plain; charset=utf-8', headers: { Location: DASHBOARD_PATH } };
}

/**
 * The dashboard's routes over a source; each reads the source per request.
 *
 * @example
 * dashboardRoutes(source).get('/v1/dashboard')?.().body; // '{"ready":true,...}'
 */
export function dashboardRoutes(source: IntrospectionSource): ReadonlyMap<string, Route> {
  return new Map<string, Route>([
    [DASHBOARD_PATH, page],
    ['/ui', redirect],
    [DASHBOARD_DATA_PATH, () => ({ status: 200, body: JSON.stringify(dashboardDocument(source)) })],
  ]);
}
