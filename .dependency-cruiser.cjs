/**
 * The layering of server/, checked by `npm run lint` (depcruise):
 *
 *   bin/www → server.ts (composition root) → socketio/, routes/, app.ts
 *                                          → services.ts → domains → storage/ shared parts, channels/
 *
 * Domains (messages/, rooms/, people/, accounts/ and attachments/ to come)
 * never reach up into the socket or HTTP layers, and never into one
 * another, except that people/ reads the message store for unread counts.
 * Each backend's driver stays in that backend's files.
 */
const DOMAINS = "^server/(messages|rooms|people|accounts|attachments)/";
const LOWER = "^server/(messages|rooms|people|accounts|attachments|channels|storage)/";

module.exports = {
  forbidden: [
    { name: "no-circular", severity: "error", comment: "Import cycles make the layering meaningless.", from: {}, to: { circular: true } },
    {
      name: "domains-below-transport",
      severity: "error",
      comment: "Domains, channels and storage know nothing of Socket.IO, Express, metrics or the composition root.",
      from: { path: LOWER },
      to: { path: "^server/(socketio|routes|metrics)/|^server/(app|server|services)\\.ts$" },
    },
    {
      name: "messages-stand-alone",
      severity: "error",
      comment: "messages/ never imports people/ or rooms/: what it needs of them is handed to its services as functions.",
      from: { path: "^server/messages/" },
      to: { path: "^server/(people|rooms|accounts|attachments)/" },
    },
    {
      name: "rooms-stand-alone",
      severity: "error",
      comment: "rooms/ needs no other domain.",
      from: { path: "^server/rooms/" },
      to: { path: "^server/(messages|people|accounts|attachments)/" },
    },
    {
      name: "people-read-only-the-message-store",
      severity: "error",
      comment: "people/ may read the message store's interface (unread counts, a conversation's newest message), nothing else of another domain.",
      from: { path: "^server/people/" },
      to: { path: DOMAINS, pathNot: "^server/people/|^server/messages/message-store\\.ts$" },
    },
    {
      name: "channels-are-a-leaf",
      severity: "error",
      comment: "channels/ (naming and who may read what) is asked by every domain and asks none of them.",
      from: { path: "^server/channels/" },
      to: { path: "^server/(messages|rooms|people|accounts|attachments|storage|socketio|routes|metrics)/" },
    },
    {
      name: "mongoose-in-mongo-files",
      severity: "error",
      comment: "Only the MongoDB backend's files load mongoose.",
      from: { path: "^server/", pathNot: "(^|/)mongo-[^/]*\\.ts$|\\.model\\.ts$" },
      to: { path: "node_modules/mongoose/|node_modules/mongodb/" },
    },
    {
      name: "sqlite-in-sqlite-files",
      severity: "error",
      comment: "Only the SQLite backend's files open node:sqlite.",
      from: { path: "^server/", pathNot: "(^|/)sqlite-[^/]*\\.ts$" },
      to: { path: "^sqlite$|^node:sqlite$" },
    },
    {
      name: "browser-code-shares-only-contracts",
      severity: "error",
      comment:
        "The page imports the protocol, names, messages catalogue and the search normaliser (a pure module, so the page marks exactly what the server matched), never other server code.",
      from: { path: "^public/src/" },
      to: { path: "^server/", pathNot: "^server/(protocol|names|messages/search-terms)\\.ts$|^server/i18n/" },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    exclude: { path: "^(dist|public/js|node_modules)/" },
  },
};
