import { Router } from "express";
import { LIMITS } from "../protocol.js";

export function pagesRouter(options: { maxTextLength: number }): Router {
  const router = Router();
  router.get("/", (_req, res) => {
    res.render("index", { title: "Rooms", limits: { ...LIMITS, textMax: options.maxTextLength } });
  });
  return router;
}
