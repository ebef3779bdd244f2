// Remove from stylesheets the rules no page of the site can use, with PurgeCSS.
//
// Usage: node purge_css.cjs NODE_MODULES_DIR < request.json > result.json
// request.json: {"content": [files whose words may name a class: pages, scripts],
//                "css": [stylesheets to rewrite in place], "safelist": [regex sources]}
// result.json:  [{"file": ..., "before": bytes, "after": bytes}, ...]
"use strict";
const fs = require("fs");
const path = require("path");
const { PurgeCSS } = require(path.resolve(process.argv[2], "purgecss"));

let input = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => { input += chunk; });
process.stdin.on("end", async () => {
  const request = JSON.parse(input);
  const results = await new PurgeCSS().purge({
    content: request.content.map((file) => ({
      raw: fs.readFileSync(file, "utf8"),
      extension: path.extname(file).slice(1),
    })),
    css: request.css,
    safelist: { greedy: request.safelist.map((source) => new RegExp(source)) },
    fontFace: false, // @font-face rules stay: browsers fetch only the fonts a page uses
    keyframes: true,
    variables: false, // custom properties stay: the theme computes them from one another
  });
  const report = [];
  for (const result of results) {
    const before = fs.statSync(result.file).size;
    // The source map described the whole stylesheet; it no longer applies.
    const css = result.css.replace(/\/\*# sourceMappingURL=[^*]*\*\/\s*$/, "");
    fs.writeFileSync(result.file, css);
    report.push({ file: result.file, before, after: Buffer.byteLength(css) });
  }
  process.stdout.write(JSON.stringify(report));
});
