// The restore step: `cde cache restore`, its cache-hit as the step's output, and what the post step needs as state.
'use strict';
const a = require('./cde.js');

try {
  const key = a.input('key');
  const paths = a.lines('path');
  if (!key) throw new Error('input key is required');
  if (paths.length === 0) throw new Error('input path is required');
  a.saveState('key', key);
  a.saveState('paths', JSON.stringify(paths));
  const args = ['restore', '--key', key];
  for (const k of a.lines('restore-keys')) args.push('--restore-key', k);
  for (const p of paths) args.push('--path', p);
  if (a.bool('fail-on-cache-miss')) args.push('--fail-on-cache-miss');
  if (a.bool('lookup-only')) args.push('--lookup-only');
  const r = a.cde(args);
  const hit = /^cache-hit=true$/m.test(r.out);
  const matched = (/^cache-matched-key=(.*)$/m.exec(r.out) || [])[1] || '';
  a.output('cache-hit', hit);
  a.saveState('cache-hit', hit);
  a.saveState('matched-key', matched);
  if (r.code !== 0) {
    a.fail(r.code === -1 ? r.err : `cde cache restore failed (exit ${r.code})`);
  }
} catch (e) {
  a.fail(e.message);
}
