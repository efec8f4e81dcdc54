// Starts the service: `DATA_DIR=./data PORT=3000 node server.js`. The state is
// rebuilt from DATA_DIR (snapshot + journal) on start; SIGTERM/SIGINT write a
// snapshot and exit.
"use strict";
const { build } = require("./app");

async function main() {
  const app = build({ dataDir: process.env.DATA_DIR || "./data", logger: process.env.LOG === "1" });
  const address = await app.listen({ host: process.env.HOST || "127.0.0.1", port: Number(process.env.PORT || 3000) });
  console.log(`listening on ${address}`);
  const stop = async () => {
    await app.close();
    process.exit(0);
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
