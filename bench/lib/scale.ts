/** How big each scenario is: the full run, and `--quick` scaled down for a smoke test. */
export type Scale = {
  quick: boolean;
  workers: number;
  /** Big rooms: latency and loss, and CPU per delivery in rooms of `perRoom`. */
  fanout: { rooms: number; perRoom: number; rate: number; warmupSeconds: number; seconds: number };
  /** Rooms of 10: CPU per delivery at a fixed rate, then the rate stepped up until p99 > 100 ms or loss. */
  small: { rooms: number; perRoom: number; cpuRate: number; cpuSeconds: number; steps: number[]; stepSeconds: number };
  idle: { sockets: number };
  history: { messages: number; requests: number; limit: number };
  /**
   * Big rooms: `sizes` clients each, all joining one room at once on a fresh
   * node; every wait of a storm (answers, then presence) ends `capSeconds` after it began.
   */
  storms: { sizes: number[]; capSeconds: number };
  /** `rooms` on two nodes over Redis, with `rooms` rooms each holding one person from each node. */
  roomsOverRedis: { rooms: number; roomsPerClient: number; requests: number };
};

export const FULL: Scale = {
  quick: false,
  workers: 2,
  fanout: { rooms: 10, perRoom: 100, rate: 500, warmupSeconds: 3, seconds: 15 },
  small: {
    rooms: 100,
    perRoom: 10,
    cpuRate: 1000,
    cpuSeconds: 10,
    // From 100 msg/s: on FerretDB (`--store mongo`) the peers saturate in the hundreds.
    steps: [100, 200, 300, 400, 500, 1000, 1500, 2000, 2500, 3000, 4000, 5000, 6000, 8000, 10_000, 12_000],
    stepSeconds: 5,
  },
  idle: { sockets: 10_000 },
  history: { messages: 100_000, requests: 500, limit: 50 },
  storms: { sizes: [1000, 5000], capSeconds: 60 },
  roomsOverRedis: { rooms: 1000, roomsPerClient: 20, requests: 200 },
};

export const QUICK: Scale = {
  quick: true,
  workers: 2,
  fanout: { rooms: 10, perRoom: 20, rate: 200, warmupSeconds: 1, seconds: 2 },
  small: { rooms: 20, perRoom: 10, cpuRate: 500, cpuSeconds: 2, steps: [500, 1500, 3000], stepSeconds: 2 },
  idle: { sockets: 500 },
  history: { messages: 20_000, requests: 100, limit: 50 },
  storms: { sizes: [200], capSeconds: 20 },
  roomsOverRedis: { rooms: 100, roomsPerClient: 20, requests: 40 },
};

/** The saturation rule of the design's quality targets. */
export const SATURATION_P99_MS = 100;
