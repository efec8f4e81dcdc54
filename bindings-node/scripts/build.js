#!/usr/bin/env node
// The package's `install` step: builds the addon with plain cargo (npm does not
// install a folder dependency's devDependencies, so the napi CLI is not there)
// and copies it where the committed `index.js` loader looks for it:
// `brokerx.<platform>-<arch>[-gnu|-musl].node` next to this package.
// BROKERX_NODE_PROFILE=debug builds unoptimized (quicker, for development).
"use strict";
const { spawnSync } = require("node:child_process");
const fs = require("node:fs");
const path = require("node:path");

const root = path.resolve(__dirname, "..");
const profile = process.env.BROKERX_NODE_PROFILE === "debug" ? "debug" : "release";
const args = ["build", "-p", "brokerx-node", "--message-format=json-render-diagnostics"];
if (profile === "release") args.push("--release");
const run = spawnSync("cargo", args, { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"], maxBuffer: 1 << 28 });
if (run.error) {
  console.error(`brokerx: cannot run cargo (${run.error.message}); install Rust from https://rustup.rs`);
  process.exit(1);
}
if (run.status !== 0) process.exit(run.status ?? 1);

let artifact = null;
for (const line of run.stdout.split("\n")) {
  if (!line.startsWith("{")) continue;
  const msg = JSON.parse(line);
  if (msg.reason === "compiler-artifact" && msg.target && msg.target.name === "brokerx_node") {
    artifact = msg.filenames.find((f) => /\.(so|dylib|dll)$/.test(f)) ?? artifact;
  }
}
if (!artifact) {
  console.error("brokerx: cargo built no brokerx_node library");
  process.exit(1);
}

function abi() {
  if (process.platform !== "linux") return "";
  const report = process.report && process.report.getReport();
  const glibc = report && report.header && report.header.glibcVersionRuntime;
  return glibc ? "-gnu" : "-musl";
}
const platform = process.platform === "win32" ? "win32" : process.platform;
const target = path.join(root, `brokerx.${platform}-${process.arch}${platform === "win32" ? "-msvc" : abi()}.node`);
fs.copyFileSync(artifact, target);
console.error(`brokerx: built ${path.basename(target)} (${profile})`);
