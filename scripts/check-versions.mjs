// Fails when an installed security-relevant package is older than the first
// release without known advisories. Stands in for `npm audit`, whose
// advisory endpoint is not reachable from every build machine.

const floors = {
  "socket.io": "4.8.0",
  "socket.io-parser": "4.2.6",
  "engine.io": "6.6.2",
  ws: "8.21.0",
  express: "5.1.0",
  ejs: "3.1.10",
  mongoose: "9.0.0",
  mongodb: "7.0.0",
  helmet: "8.0.0",
  // Attachments: sharp's bundled libwebp (CVE-2023-4863), busboy without dicer (CVE-2022-24434),
  // file-type's infinite loop on malformed input (CVE-2022-36313).
  sharp: "0.32.6",
  busboy: "1.0.0",
  "file-type": "16.5.4",
};

const parse = (v) => v.split(/[.-]/).slice(0, 3).map(Number);
const atLeast = (have, want) => {
  const [a, b] = [parse(have), parse(want)];
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i] > b[i];
  return true;
};

// Every copy in the tree counts, including nested ones.
const { execFileSync } = await import("node:child_process");
const tree = JSON.parse(execFileSync("npm", ["ls", "--all", "--json", ...Object.keys(floors)], { encoding: "utf8" }));
const found = [];
(function walk(deps = {}) {
  for (const [name, info] of Object.entries(deps)) {
    if (name in floors && info.version) found.push([name, info.version]);
    walk(info.dependencies);
  }
})(tree.dependencies);

let bad = 0;
for (const [name, version] of found) {
  const ok = atLeast(version, floors[name]);
  if (!ok) bad++;
  console.log(`${ok ? "ok  " : "OLD "} ${name}@${version} (needs >= ${floors[name]})`);
}
for (const name of Object.keys(floors)) if (!found.some(([n]) => n === name)) console.log(`--   ${name} not installed`);
process.exit(bad ? 1 : 0);
