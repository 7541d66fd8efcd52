// Drives the official @actions/cache client against the bridge, for the bridge's tests.
// argv[2]: where to write the results. stdin: {"steps": [{"op": "save"|"restore", "paths": [...], "key": "...",
// "restoreKeys": [...], "lookupOnly": false}, ...]}. The environment points the client at the bridge
// (ACTIONS_RESULTS_URL, ACTIONS_RUNTIME_TOKEN, ACTIONS_CACHE_SERVICE_V2). Results, in step order:
// save -> {"cacheId": n} (-1 when the client gave up with a warning), restore -> {"matchedKey": "..." | null},
// or {"error": "..."} when the client threw.
import * as cache from "@actions/cache";
import { writeFileSync } from "node:fs";

let input = "";
process.stdin.setEncoding("utf8");
for await (const chunk of process.stdin) input += chunk;
const { steps } = JSON.parse(input);
const results = [];
for (const s of steps) {
  try {
    if (s.op === "save") {
      // uploadChunkSize: smaller chunks, so that the older protocol's concurrent PATCHes arrive out of order
      results.push({ cacheId: await cache.saveCache(s.paths, s.key, s.uploadChunkSize ? { uploadChunkSize: s.uploadChunkSize } : undefined) });
    } else {
      const matched = await cache.restoreCache(s.paths, s.key, s.restoreKeys ?? [], { lookupOnly: !!s.lookupOnly });
      results.push({ matchedKey: matched ?? null });
    }
  } catch (e) {
    results.push({ error: String(e?.message ?? e) });
  }
}
writeFileSync(process.argv[2], JSON.stringify(results));
