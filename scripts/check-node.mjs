// Runs before `npm start`, `npm test` and `npm run dev`: on a Node.js older than
// the project supports, one clear line and exit 1 instead of a stack trace later.
// Deliberately plain so that it parses on any old Node.
var version = process.versions.node;
var parts = version.split(".");
var major = Number(parts[0]);
var minor = Number(parts[1]);
if (major < 22 || (major === 22 && minor < 18)) {
  process.stderr.write(
    "roomchat needs Node.js >= 22.18 (Node 24 LTS recommended); this is Node " + version + ". " +
      "Install Node 24, or run `. scripts/use-node.sh` to fetch it into .tools/.\n",
  );
  process.exit(1);
}
