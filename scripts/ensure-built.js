#!/usr/bin/env node
// Runs before the npm scripts that execute compiled code: compiles (incrementally) only when a
// source or build setting is newer than the last build, so a built tree starts without tsc.
// Plain JavaScript because it has to run before anything is compiled.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');

const root = path.resolve(__dirname, '..');
const stamp = path.join(root, 'dist', '.tsbuildinfo');
const sources = ['platform', 'gateway', 'subgraphs', 'scripts', 'bench'];
const settings = ['tsconfig.json', 'tsconfig.build.json', 'package-lock.json'];

function newestUnder(dir) {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestUnder(full));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, fs.statSync(full).mtimeMs);
  }
  return newest;
}

function isStale() {
  if (!fs.existsSync(stamp)) return true;
  const built = fs.statSync(stamp).mtimeMs;
  const newest = Math.max(
    ...sources.map((dir) => newestUnder(path.join(root, dir))),
    ...settings.map((file) => fs.statSync(path.join(root, file)).mtimeMs),
  );
  return newest > built;
}

if (process.argv.includes('--force') || isStale()) {
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', path.join(root, 'tsconfig.build.json')], {
    cwd: root,
    stdio: 'inherit',
  });
  // tsc leaves the build-info file untouched when nothing changed; stamp the build as current.
  const now = new Date();
  fs.utimesSync(stamp, now, now);
}
