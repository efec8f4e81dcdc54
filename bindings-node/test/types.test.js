// Types are part of the product: the typed usage file and the docs' quick start
// pass `tsc --noEmit --strict`, the quick start runs, and the committed
// `index.d.ts` / `index.js` are what the napi CLI generates from the current Rust.
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const fs = require("node:fs");
const path = require("node:path");
const { spawnSync } = require("node:child_process");

const PKG = path.resolve(__dirname, "..");
const DOC = path.resolve(PKG, "../docs/node.md");
const GEN = path.join(__dirname, "types", "quickstart.gen.ts");

function quickstart() {
  const text = fs.readFileSync(DOC, "utf8");
  const section = text.slice(text.indexOf("## Quick start"));
  const m = /```ts\n([\s\S]*?)```/.exec(section);
  assert.ok(m, "docs/node.md has a ```ts quick start");
  return m[1];
}

function bin(name) {
  return path.join(PKG, "node_modules", ".bin", name);
}

test("the quick start is about 20 lines", () => {
  const lines = quickstart().trim().split("\n").length;
  assert.ok(lines >= 15 && lines <= 30, `${lines} lines`);
});

test("tsc --noEmit --strict accepts the typed usage file and the quick start", () => {
  fs.writeFileSync(GEN, quickstart());
  const r = spawnSync(bin("tsc"), ["-p", path.join(__dirname, "types", "tsconfig.json")], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stdout + r.stderr);
});

test("the quick start runs", () => {
  const ts = require("typescript");
  const js = ts.transpileModule(quickstart(), {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 },
  }).outputText;
  const file = path.join(__dirname, "types", "quickstart.gen.js");
  fs.writeFileSync(file, js);
  try {
    const r = spawnSync(process.execPath, [file], { encoding: "utf8", cwd: PKG });
    assert.equal(r.status, 0, r.stdout + r.stderr);
  } finally {
    fs.rmSync(file, { force: true });
  }
});

test("index.d.ts and index.js are what the napi CLI generates from the current Rust", { timeout: 900_000 }, () => {
  const out = path.join(PKG, "tmp", "fresh");
  fs.rmSync(out, { recursive: true, force: true });
  const r = spawnSync(
    bin("napi"),
    ["build", "--platform", "--no-const-enum", "--js", "index.js", "--dts", "index.d.ts", "--output-dir", out],
    { cwd: PKG, encoding: "utf8", maxBuffer: 1 << 26 },
  );
  assert.equal(r.status, 0, r.stderr.slice(-4000));
  for (const f of ["index.d.ts", "index.js"]) {
    const fresh = fs.readFileSync(path.join(out, f), "utf8");
    const committed = fs.readFileSync(path.join(PKG, f), "utf8");
    assert.equal(committed, fresh, `${f} is stale: run \`npm run generate\` in bindings-node and commit it`);
  }
  fs.rmSync(out, { recursive: true, force: true });
});
