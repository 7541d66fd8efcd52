// The save step, after the job: `cde cache save` unless the key was an exact hit (its entry exists, and keys are
// immutable). A failed save never fails the job: cde cache itself only warns, as actions/cache does.
'use strict';
const a = require('./cde.js');

try {
  const key = a.state('key');
  const paths = JSON.parse(a.state('paths') || '[]');
  if (!key || paths.length === 0) {
    console.log('cde cache: the restore step did not run; nothing to save');
  } else if (a.state('cache-hit') === 'true') {
    console.log(`cde cache: ${key} was restored exactly; not saving it again`);
  } else {
    const args = ['save', '--key', key];
    for (const p of paths) args.push('--path', p);
    const r = a.cde(args);
    if (r.code !== 0) console.log(`::warning::cde cache save failed (exit ${r.code}): ${r.code === -1 ? r.err : ''}`);
  }
} catch (e) {
  console.log(`::warning::${e.message}`);
}
