import accepts from 'accepts';
import express from 'express';
import type { IncomingMessage } from 'node:http';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** Where `npm run build` bundles the explorer (scripts/build-explorer.ts). */
const ASSETS_DIR = path.resolve(__dirname, '../../explorer');

/**
 * Everything the explorer needs comes from this origin: its scripts, styles, fonts and workers,
 * and its requests (HTTP and WebSocket to /graphql). Monaco adds <style> elements at run time:
 * those carry the response's nonce (explorer/style-nonce.js), so no 'unsafe-inline' is needed.
 */
export function explorerCsp(styleNonce?: string): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    styleNonce ? `style-src 'self' 'nonce-${styleNonce}'` : "style-src 'self'",
    // React and Monaco size and place elements through style attributes; attributes run no code.
    "style-src-attr 'unsafe-inline'",
    "worker-src 'self'",
    "connect-src 'self'",
    "img-src 'self' data:",
    // GraphiQL's own stylesheet carries its fonts inline (data: URLs), not from any host.
    "font-src 'self' data:",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'self'",
  ].join('; ');
}

const explorerPage = (styleNonce: string) => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="sentinel-style-nonce" content="${styleNonce}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sentinel GraphQL explorer</title>
<link rel="stylesheet" href="/graphql/assets/explorer.css">
</head>
<body>
<div id="sentinel-explorer"></div>
<script src="/graphql/assets/explorer.js"></script>
</body>
</html>
`;

const NOT_BUILT_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sentinel GraphQL explorer</title></head>
<body><p>The explorer is not built here: run <code>npm run build</code>. The API itself answers
POST /graphql.</p></body></html>
`;

const HOME_STYLE =
  'body{font-family:system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem;line-height:1.5}code{font-size:.9em}';
/** The home page's one inline style, allowed by its hash: nothing else runs or loads. */
const HOME_CSP = `default-src 'none'; style-src 'sha256-${crypto.createHash('sha256').update(HOME_STYLE).digest('base64')}'; base-uri 'none'; frame-ancestors 'none'`;

const HOME_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sentinel</title>
<style>${HOME_STYLE}</style>
</head>
<body>
<h1>Sentinel</h1>
<p>SLA intelligence over GraphQL: telemetry, SLA status and breach forecasts per tenant.</p>
<ul>
<li><a href="/graphql">GraphQL explorer</a>: run queries with your API key (<code>POST /graphql</code> for programs)</li>
<li><a href="/status">Status</a>: Sentinel's own public status page</li>
<li>Docs: <code>README.md</code>, <code>docs/OPERATIONS.md</code> and <code>docs/CONTRACT.md</code> in the repository; the schema is <code>schema.graphql</code></li>
<li><a href="/healthz">/healthz</a>, <a href="/readyz">/readyz</a>, <a href="/metrics">/metrics</a></li>
</ul>
</body>
</html>
`;

/** A browser asking for GET /graphql as a page, not a program sending an operation. */
export function wantsExplorer(req: IncomingMessage): boolean {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  if (new URLSearchParams(req.url!.split('?')[1] ?? '').has('query')) return false;
  return (
    accepts(req).type(['application/json', 'application/graphql-response+json', 'text/html']) ===
    'text/html'
  );
}

function sendHtml(res: express.Response, html: string, csp: string): void {
  res.setHeader('content-security-policy', csp);
  res.setHeader('x-content-type-options', 'nosniff');
  res.setHeader('referrer-policy', 'no-referrer');
  res.type('html').send(html);
}

/** GET / (a small home page), GET /graphql as a page (GraphiQL) and its bundled assets. */
export function explorerRoutes(): express.Router {
  const router = express.Router();
  router.get('/', (_req, res) => sendHtml(res, HOME_PAGE, HOME_CSP));
  router.get('/graphql', (req, res, next) => {
    if (!wantsExplorer(req)) return next();
    const built = fs.existsSync(path.join(ASSETS_DIR, 'explorer.js'));
    const nonce = crypto.randomBytes(16).toString('base64');
    sendHtml(res, built ? explorerPage(nonce) : NOT_BUILT_PAGE, explorerCsp(nonce));
  });
  router.use(
    '/graphql/assets',
    express.static(ASSETS_DIR, {
      index: false,
      dotfiles: 'ignore',
      fallthrough: false,
      setHeaders: (res) => {
        res.setHeader('content-security-policy', explorerCsp());
        res.setHeader('x-content-type-options', 'nosniff');
      },
    }),
  );
  return router;
}
