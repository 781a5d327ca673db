// verify_webhooks.js: a second opinion on koyomi's webhook signatures.
// The npm package standardwebhooks (the specification's reference
// library) verifies every request a test's receiver recorded, with the
// secret given; koyomi's tests also check them with their own HMAC code.
//
// usage: node verify_webhooks.js SECRET HOOKS.jsonl
// Each line: {"id", "ts", "sig", "raw" (the body, base64)}. Prints the
// count verified; exits 1 when any request fails or none was given.
"use strict";
const fs = require("fs");
const { Webhook } = require("standardwebhooks");

const [secret, file] = process.argv.slice(2);
if (!secret || !file) {
	console.error("usage: node verify_webhooks.js SECRET HOOKS.jsonl");
	process.exit(2);
}
const wh = new Webhook(secret);
let ok = 0, bad = 0;
for (const line of fs.readFileSync(file, "utf8").split("\n")) {
	if (line.trim() === "")
		continue;
	const r = JSON.parse(line);
	const body = Buffer.from(r.raw || "", "base64").toString("utf8");
	try {
		wh.verify(body, {
			"webhook-id": r.id,
			"webhook-timestamp": r.ts,
			"webhook-signature": r.sig,
		});
		ok++;
	} catch (e) {
		bad++;
		console.log("FAIL: " + r.id + ": " + e.message);
	}
}
console.log("standardwebhooks: " + ok + " verified, " + bad + " refused");
process.exit(bad === 0 && ok > 0 ? 0 : 1);
