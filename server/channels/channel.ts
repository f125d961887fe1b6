/**
 * A channel is the conversation a message belongs to, as one string:
 * `room:<name>`, `broadcast`, or `dm:<userA>:<userB>` with the two user ids
 * sorted so that both directions share one channel. Stores index by it.
 */
export const roomChannel = (room: string): string => `room:${room}`;
export const BROADCAST_CHANNEL = "broadcast";
export const directChannel = (a: string, b: string): string => (a < b ? `dm:${a}:${b}` : `dm:${b}:${a}`);
