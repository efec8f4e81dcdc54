// Durable state of the service: an append-only journal of the commands that
// changed the Broker (JSON lines, each fsync'ed before the reply) and a snapshot
// (`Broker.snapshot()` bytes plus how many journal lines it covers). Recovery is
// snapshot + replay of the lines after it; a torn last line is cut, never replayed.
"use strict";
const fs = require("node:fs");
const path = require("node:path");

class Store {
  constructor(dir) {
    this.dir = dir;
    fs.mkdirSync(dir, { recursive: true });
    this.journalPath = path.join(dir, "journal.jsonl");
    this.snapshotPath = path.join(dir, "snapshot.bin");
    this.metaPath = path.join(dir, "snapshot.json");
  }

  /** The snapshot (or null) and the journal records after it. */
  load() {
    let snapshot = null;
    let covered = 0;
    let extra = null;
    if (fs.existsSync(this.metaPath) && fs.existsSync(this.snapshotPath)) {
      const meta = JSON.parse(fs.readFileSync(this.metaPath, "utf8"));
      covered = meta.journalLines;
      extra = meta.extra;
      snapshot = fs.readFileSync(this.snapshotPath);
    }
    const records = [];
    if (fs.existsSync(this.journalPath)) {
      const text = fs.readFileSync(this.journalPath, "utf8");
      const lines = text.split("\n");
      let good = 0;
      let goodBytes = 0;
      for (const line of lines) {
        if (!line) break;
        try {
          records.push(JSON.parse(line));
        } catch {
          break; // a torn tail: cut below
        }
        good += 1;
        goodBytes += Buffer.byteLength(line) + 1;
      }
      if (goodBytes < Buffer.byteLength(text)) fs.truncateSync(this.journalPath, goodBytes);
      this.lines = good;
    } else {
      this.lines = 0;
    }
    return { snapshot, extra, records: records.slice(covered) };
  }

  open() {
    this.fd = fs.openSync(this.journalPath, "a");
  }

  /** Appends one record and makes it durable before the caller replies. */
  append(record) {
    fs.writeSync(this.fd, JSON.stringify(record, (_, v) => (typeof v === "bigint" ? v.toString() : v)) + "\n");
    fs.fdatasyncSync(this.fd);
    this.lines += 1;
  }

  /** Writes a snapshot covering every journal line so far, with the host's own `extra`
   *  state (atomically: the meta file, renamed last, is what makes it current). */
  snapshot(bytes, extra) {
    const tmp = this.snapshotPath + ".tmp";
    fs.writeFileSync(tmp, bytes);
    fs.renameSync(tmp, this.snapshotPath);
    const metaTmp = this.metaPath + ".tmp";
    fs.writeFileSync(metaTmp, JSON.stringify({ journalLines: this.lines, extra }));
    fs.renameSync(metaTmp, this.metaPath);
  }

  close() {
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.fd = undefined;
  }
}

module.exports = { Store };
