// Test helpers shared by the suites.
"use strict";

/** Decimal text in a canonical form: no sign on zero, no leading or trailing zeros. */
function canonical(s) {
  let t = String(s).trim();
  let neg = false;
  if (t.startsWith("+")) t = t.slice(1);
  else if (t.startsWith("-")) {
    neg = true;
    t = t.slice(1);
  }
  let [int, frac = ""] = t.split(".");
  int = int.replace(/^0+/, "") || "0";
  frac = frac.replace(/0+$/, "");
  const body = frac ? `${int}.${frac}` : int;
  return neg && body !== "0" ? `-${body}` : body;
}

function sameDecimal(a, b) {
  return canonical(a) === canonical(b);
}

/** JSON with bigints as strings (for assertion messages). */
function show(v) {
  return JSON.stringify(v, (_, x) => (typeof x === "bigint" ? `${x}n` : x));
}

module.exports = { canonical, sameDecimal, show };
