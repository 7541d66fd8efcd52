// What main.js and post.js share: the runner's action protocol (inputs in INPUT_*, outputs and state appended to
// the files GITHUB_OUTPUT and GITHUB_STATE, state read back as STATE_* in the post step) and running `cde cache`.
// Plain Node, no npm dependencies, so the action needs no build step and no node_modules.
'use strict';
const fs = require('fs');
const { spawnSync } = require('child_process');

// The runner passes an input named `restore-keys` as INPUT_RESTORE-KEYS: upper case, spaces to _, dashes kept.
function input(name) {
  return (process.env['INPUT_' + name.replace(/ /g, '_').toUpperCase()] || '').trim();
}

function lines(name) {
  return input(name).split('\n').map((l) => l.trim()).filter((l) => l.length > 0);
}

function bool(name) {
  const v = input(name).toLowerCase();
  if (v === '' || v === 'false') return false;
  if (v === 'true') return true;
  throw new Error(`input ${name} must be true or false, not ${v}`);
}

// A value on one line is appended as name=value; anything else would need the heredoc form, which we never need.
function append(file, name, value) {
  if (!file) return;
  const v = String(value);
  if (v.includes('\n')) throw new Error(`${name} must be on one line`);
  fs.appendFileSync(file, `${name}=${v}\n`);
}

const output = (name, value) => append(process.env.GITHUB_OUTPUT, name, value);
const saveState = (name, value) => append(process.env.GITHUB_STATE, name, value);
const state = (name) => process.env['STATE_' + name] || '';

// Runs `cde cache <args>`; its stderr lines become the job log's, warnings as annotations. CDE_CLI names another
// command (e.g. `java -jar /opt/cde/cde.jar`) where `cde` is not on PATH.
function cde(args) {
  const cli = (process.env.CDE_CLI || 'cde').split(' ').filter((p) => p.length > 0);
  const r = spawnSync(cli[0], cli.slice(1).concat(['cache'], args), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.error) {
    return { code: -1, out: '', err: `cannot run ${cli[0]}: ${r.error.message}` };
  }
  for (const line of (r.stderr || '').split('\n')) {
    if (line.length === 0) continue;
    const m = /^cde cache: warning: (.*)$/.exec(line);
    console.log(m ? `::warning::${m[1]}` : line);
  }
  return { code: r.status === null ? 1 : r.status, out: r.stdout || '', err: r.stderr || '' };
}

function fail(message) {
  console.log(`::error::${message}`);
  process.exitCode = 1;
}

module.exports = { input, lines, bool, output, saveState, state, cde, fail };
