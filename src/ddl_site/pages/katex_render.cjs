// Render a batch of TeX equations to HTML with KaTeX, in one Node.js process.
//
// Usage: node katex_render.cjs NODE_MODULES_DIR < requests.json > results.json
// requests.json: [{"tex": "...", "display": true|false}, ...]
// results.json:  [{"html": "..."} | {"error": "..."}, ...] in the same order.
"use strict";
const path = require("path");
const katex = require(path.resolve(process.argv[2], "katex"));

let input = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => { input += chunk; });
process.stdin.on("end", () => {
  const requests = JSON.parse(input);
  const results = requests.map(({ tex, display }) => {
    try {
      const html = katex.renderToString(tex, {
        displayMode: display,
        throwOnError: true,
        strict: "error",
        trust: false,
        output: "htmlAndMathml",
      });
      return { html };
    } catch (error) {
      return { error: String(error && error.message ? error.message : error) };
    }
  });
  process.stdout.write(JSON.stringify(results));
});
