import fs from 'node:fs';
import path from 'node:path';
import type express from 'express';

export const GRAPHIQL_PATH = '/graphiql';

/** The installed UMD bundles: the page works offline and loads nothing from a CDN. */
const packageFile = (pkg: string, file: string) => path.join(path.dirname(require.resolve(pkg)), file);
const ASSETS: Record<string, { file: () => string; type: string }> = {
  'react.js': { file: () => packageFile('react', 'umd/react.production.min.js'), type: 'text/javascript' },
  'react-dom.js': { file: () => packageFile('react-dom', 'umd/react-dom.production.min.js'), type: 'text/javascript' },
  'graphiql.js': { file: () => require.resolve('graphiql/graphiql.min.js'), type: 'text/javascript' },
  'graphiql.css': { file: () => require.resolve('graphiql/graphiql.min.css'), type: 'text/css' },
};

// Headers are not persisted: a pasted token stays in this tab only.
const INIT = `(function () {
  var fetcher = GraphiQL.createFetcher({ url: window.location.origin + '/graphql' });
  ReactDOM.createRoot(document.getElementById('graphiql')).render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      shouldPersistHeaders: false,
      isHeadersEditorEnabled: true,
      defaultEditorToolsVisibility: 'headers',
      defaultHeaders: '{}',
      defaultQuery: '# Headers: {"Authorization": "Bearer <token>"} (npm run -s token -- --tenant acme --roles admin)\\n{ me { kind roles tenant { slug } } }\\n',
    }),
  );
})();
`;

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>GraphiQL · CX data gateway</title>
<link rel="stylesheet" href="${GRAPHIQL_PATH}/assets/graphiql.css">
<style>html, body, #graphiql { height: 100%; margin: 0; }</style>
</head>
<body>
<div id="graphiql">Loading GraphiQL…</div>
<script src="${GRAPHIQL_PATH}/assets/react.js"></script>
<script src="${GRAPHIQL_PATH}/assets/react-dom.js"></script>
<script src="${GRAPHIQL_PATH}/assets/graphiql.js"></script>
<script src="${GRAPHIQL_PATH}/assets/init.js"></script>
</body>
</html>
`;

/**
 * Scripts and styles from this origin only, calls to this origin only, nothing framed or posted
 * elsewhere. GraphiQL sets inline styles (editor layout), hence 'unsafe-inline' for styles alone.
 */
const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

function secured(res: express.Response): express.Response {
  return res.set({ 'Content-Security-Policy': CSP, 'X-Content-Type-Options': 'nosniff', 'Referrer-Policy': 'no-referrer', 'Cache-Control': 'no-store' });
}

/** Development only (never mounted in production): a self-hosted GraphiQL beside Apollo Sandbox. */
export function mountGraphiql(app: express.Express): void {
  app.get(GRAPHIQL_PATH, (_req, res) => {
    secured(res).type('html').send(PAGE);
  });
  app.get(`${GRAPHIQL_PATH}/assets/init.js`, (_req, res) => {
    secured(res).type('text/javascript').send(INIT);
  });
  app.get(`${GRAPHIQL_PATH}/assets/:name`, (req, res, next) => {
    const asset = ASSETS[req.params.name];
    if (!asset) return next();
    secured(res).type(asset.type);
    fs.createReadStream(asset.file()).on('error', next).pipe(res);
  });
}
