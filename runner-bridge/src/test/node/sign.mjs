// Signs webhook payloads with octokit's reference implementation, for the bridge's tests.
// stdin: {"secret": "...", "payloads": ["...", ...]}; stdout: ["sha256=...", ...] in the same order.
import { sign } from "@octokit/webhooks-methods";

let input = "";
process.stdin.setEncoding("utf8");
for await (const chunk of process.stdin) input += chunk;
const { secret, payloads } = JSON.parse(input);
const signatures = [];
for (const payload of payloads) signatures.push(await sign(secret, payload));
process.stdout.write(JSON.stringify(signatures));
