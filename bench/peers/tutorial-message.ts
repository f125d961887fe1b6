/** The tutorial's message schema: what its server stores, and what `bench:mongo-ops` prices against the project's. */
import mongoose from "mongoose";

export const tutorialMessageSchema = new mongoose.Schema({
  room: { type: String, required: true, index: true },
  name: String,
  text: { type: String, required: true },
  createdAt: { type: Date, default: Date.now },
});
