import { describe, expect, it } from "vitest";
import {
  GRID_TOLERANCE,
  GridSync,
  HELD_TOLERANCE,
  HOLD_MS,
  type SyncPlayer,
  type SyncTile,
  hasFootage,
  nextFootage,
  spread,
} from "../src/grid-sync";
import type { Span } from "../src/model";
import type { FollowStep, FollowTolerance } from "../src/playback";

const T0 = Date.parse("2026-07-01T12:00:00Z");
const NOW = T0 + 3_600_000;
const S = 1000;

/** A video as the sync sees it; the test plays the browser's part (placing, playing on). */
class FakePlayer implements SyncPlayer {
  playing = false;
  ready = false;
  paused = true;
  error = "";
  rate = 1;
  at: number | null = null;
  /** What the next follow answers (what the real controller did to keep in step). */
  step: FollowStep = "in-step";
  asked: [number, boolean | undefined][] = [];
  followed: [number, FollowTolerance | undefined][] = [];
  stops = 0;
  private placing: number | null = null;

  wallClock(): number | null {
    return this.at;
  }
  playFrom(t: number, autoplay?: boolean): Promise<void> {
    this.asked.push([t, autoplay]);
    this.playing = true;
    this.ready = false;
    this.at = null;
    this.placing = t;
    this.paused = !autoplay;
    return Promise.resolve();
  }
  /** The media reached the instant last asked for. */
  place(at = this.placing): void {
    this.ready = true;
    this.at = at;
  }
  follow(t: number, tolerance?: FollowTolerance): FollowStep {
    this.followed.push([t, tolerance]);
    if (this.step === "seek") this.ready = false; // seeking
    return this.step;
  }
  setRate(rate: number): void {
    this.rate = rate;
  }
  pause(): void {
    this.paused = true;
  }
  resume(): void {
    this.paused = false;
  }
  stop(): void {
    this.stops += 1;
    this.playing = false;
    this.ready = false;
    this.paused = true;
    this.at = null;
  }
  /** Play on for `ms` of wall time (a playing video moves at its rate). */
  run(ms: number): void {
    if (!this.paused && this.at !== null) this.at += ms * this.rate;
  }
}

class Tile implements SyncTile {
  readonly player = new FakePlayer();
  recording = false;
  constructor(
    readonly id: string,
    public footage: Span[],
  ) {}
  spans(): Span[] {
    return this.footage;
  }
  recordingNow(): boolean {
    return this.recording;
  }
}

/** A grid of tiles with footage `[from, to]` (seconds after T0) each, and a monotonic clock. */
function grid(...footage: [number, number][][]) {
  const tiles = footage.map((spans, n) => new Tile(`cam${n}`, spans.map(([a, b]) => ({ start: T0 + a * S, end: T0 + b * S }))));
  const sync = new GridSync(
    () => tiles,
    () => NOW,
  );
  let at = 0;
  /** Wall time passes: every playing video moves on, then the sync ticks. */
  const tick = (ms = 100) => {
    at += ms;
    for (const tile of tiles) tile.player.run(ms);
    return sync.tick(at);
  };
  const start = (seconds: number) => sync.start(T0 + seconds * S, at);
  return { tiles, sync, tick, start, players: tiles.map((t) => t.player) };
}

describe("footage per camera", () => {
  const spans = [
    { start: T0, end: T0 + 10 * S },
    { start: T0 + 20 * S, end: T0 + 30 * S },
  ];

  it("tells whether a camera has footage at an instant, its gaps excluded", () => {
    expect(hasFootage(spans, T0 + 5 * S)).toBe(true);
    expect(hasFootage(spans, T0 + 15 * S)).toBe(false);
    expect(hasFootage(spans, T0 - S)).toBe(false);
    expect(hasFootage([], T0)).toBe(false);
  });

  it("counts the file being written as footage, for a camera recording now, up to now", () => {
    expect(hasFootage(spans, T0 + 40 * S, false, T0 + 50 * S)).toBe(false);
    expect(hasFootage(spans, T0 + 40 * S, true, T0 + 50 * S)).toBe(true);
    expect(hasFootage(spans, T0 + 60 * S, true, T0 + 50 * S)).toBe(false); // the future
  });

  it("finds the next footage of any camera, and the spread of the tiles' instants", () => {
    const a = new Tile("a", spans);
    const b = new Tile("b", [{ start: T0 + 12 * S, end: T0 + 14 * S }]);
    expect(nextFootage([a, b], T0 + 11 * S)).toBe(T0 + 12 * S);
    expect(nextFootage([a, b], T0 + 5 * S)).toBe(T0 + 5 * S);
    expect(nextFootage([a, b], T0 + 31 * S)).toBeNull();
    expect(spread([T0, T0 + 150, null, T0 + 40])).toBe(150);
    expect(spread([T0, null])).toBe(0);
  });
});

describe("the grid's sync", () => {
  it("places every camera with footage at the instant, paused, and stops the others", () => {
    const { start, players, sync } = grid([[0, 100]], [[0, 100]], [[50, 100]]);
    start(10);
    expect(players[0].asked).toEqual([[T0 + 10 * S, false]]);
    expect(players[1].asked).toEqual([[T0 + 10 * S, false]]);
    expect(players[2].asked).toEqual([]);
    expect(players[2].stops).toBe(1);
    expect([...sync.states.values()]).toEqual(["loading", "loading", "gap"]);
    expect(sync.holding).toBe(true);
  });

  it("holds the clock until every camera is placed, then starts them together", () => {
    const { start, tick, players, sync } = grid([[0, 100]], [[0, 100]]);
    start(10);
    players[0].place();
    tick(500);
    expect(sync.clock).toBe(T0 + 10 * S); // the second still loads: nothing moves
    expect(players[0].paused).toBe(true);
    expect(sync.holding).toBe(true);
    players[1].place();
    tick();
    expect(players.map((p) => p.paused)).toEqual([false, false]);
    expect(sync.holding).toBe(false);
    tick(1000);
    expect(sync.leader).toBe("cam0");
    expect(sync.clock).toBe(T0 + 11 * S);
    expect(spread(Object.values(sync.instants()))).toBe(0);
  });

  it("reads the clock from the leader and keeps the others to it, closer than the single player does", () => {
    const { start, tick, players, sync } = grid([[0, 100]], [[0, 100]], [[0, 100]]);
    start(10);
    for (const p of players) p.place();
    tick();
    tick();
    const ledBefore = players[0].followed.length;
    // One follower runs 300 ms behind: the clock is still the leader's, and it is told to catch up.
    players[2].at = (players[0].at ?? 0) - 300;
    tick();
    expect(sync.clock).toBe(players[0].at);
    const [t, tolerance] = players[2].followed.at(-1)!;
    expect(t).toBe(players[0].at);
    expect(tolerance).toBe(GRID_TOLERANCE);
    expect(2 * GRID_TOLERANCE.inStepMs).toBeLessThan(200); // two followers in step are within 0.2 s
    expect(players[0].followed).toHaveLength(ledBefore); // the leader is not moved
  });

  it("holds everyone while a follower jumps or loads the next piece of its footage, then goes on together", () => {
    const { start, tick, players, sync } = grid([[0, 100]], [[0, 100]]);
    start(10);
    for (const p of players) p.place();
    tick();
    tick();
    players[1].step = "load"; // its footage goes on in another playlist
    players[1].ready = false;
    tick();
    expect(sync.states.get("cam1")).toBe("loading");
    expect(sync.holding).toBe(true);
    expect(players[0].paused).toBe(true);
    const held = sync.clock;
    tick(700);
    expect(sync.clock).toBe(held);
    players[1].step = "in-step";
    players[1].place(held);
    tick();
    expect(sync.holding).toBe(false);
    expect(players.map((p) => p.paused)).toEqual([false, false]);
  });

  it("holds a video that stalled too, so it does not run on alone once its data comes", () => {
    const { start, tick, players, sync } = grid([[0, 100]], [[0, 100]]);
    start(10);
    for (const p of players) p.place();
    tick();
    tick();
    expect(players.map((p) => p.paused)).toEqual([false, false]);
    players[1].ready = false; // waiting for data at a boundary, still playing
    tick();
    expect(sync.states.get("cam1")).toBe("loading");
    expect(players.map((p) => p.paused)).toEqual([true, true]);
    players[1].ready = true;
    tick();
    expect(players.map((p) => p.paused)).toEqual([false, false]);
  });

  it("jumps a follower that ran ahead or fell behind to the clock while every video waits", () => {
    const { start, tick, players, sync } = grid([[0, 100]], [[0, 100]], [[0, 100]]);
    start(10);
    for (const p of players) p.place();
    tick();
    tick();
    players[2].ready = false; // stalled, 250 ms behind the others by the time they are held
    players[2].at = (players[0].at ?? 0) - 250;
    tick();
    expect(sync.holding).toBe(true);
    players[2].ready = true;
    players[1].at = (players[0].at ?? 0) + 100;
    players[1].step = "seek";
    tick();
    // Both are brought to the leader's instant as jumps, not by running faster for seconds.
    expect(players[1].followed.at(-1)).toEqual([sync.clock, HELD_TOLERANCE]);
    expect(players[2].followed.at(-1)).toEqual([sync.clock, HELD_TOLERANCE]);
    expect(HELD_TOLERANCE.catchUpMs).toBe(HELD_TOLERANCE.inStepMs);
    expect(sync.holding).toBe(true); // the jump is waited for too
  });

  it("never goes back in time with a leader whose next file is stamped before its last one ended", () => {
    const { start, tick, players, sync } = grid([[0, 100]], [[0, 100]]);
    start(10);
    for (const p of players) p.place();
    tick();
    tick();
    expect(sync.leader).toBe("cam0");
    const before = sync.clock ?? 0;
    players[0].at = before - 785; // the overlap of its two files
    players[0].step = "seek";
    tick();
    expect(sync.clock).toBeGreaterThanOrEqual(before);
    expect(players[0].followed.at(-1)?.[0]).toBe(sync.clock); // sent on to the clock
    expect(players[1].followed.at(-1)?.[0]).toBe(sync.clock);
  });

  it("does not wait for ever on one camera that does not load", () => {
    const { start, tick, players, sync } = grid([[0, 100]], [[0, 100]]);
    start(10);
    players[0].place();
    tick();
    tick(HOLD_MS);
    expect(sync.holding).toBe(false);
    expect(players[0].paused).toBe(false);
    expect(sync.states.get("cam1")).toBe("loading");
  });

  it("pauses a camera where its footage has a gap, and brings it back at the instant its footage resumes", () => {
    const { start, tick, players, sync } = grid([[0, 100]], [
      [0, 12],
      [14, 100],
    ]);
    start(11);
    for (const p of players) p.place();
    tick();
    for (let n = 0; n < 15; n++) tick();
    expect(sync.states.get("cam1")).toBe("gap");
    expect(players[1].paused).toBe(true);
    expect(sync.instants().cam1).toBeNull();
    expect(sync.states.get("cam0")).toBe("playing");
    while ((sync.clock ?? 0) < T0 + 14 * S) tick();
    // Back in its footage: it follows the clock again (its playlist holds it, or it loads).
    expect(players[1].followed.at(-1)?.[0]).toBe(sync.clock);
  });

  it("loads a camera whose footage starts after the instant played when the clock reaches it", () => {
    const { start, tick, players, sync } = grid([[0, 100]], [[12, 100]]);
    start(11);
    players[0].place();
    tick();
    expect(sync.states.get("cam1")).toBe("gap");
    while ((sync.clock ?? 0) < T0 + 12 * S) tick();
    expect(players[1].asked).toHaveLength(1);
    expect(Math.abs(players[1].asked[0][0] - (T0 + 12 * S))).toBeLessThanOrEqual(100);
    expect(sync.states.get("cam1")).toBe("loading");
  });

  it("hands the lead on when the leader's footage ends, at the chosen rate", () => {
    const { start, tick, players, sync } = grid([[0, 11]], [[0, 100]]);
    start(10);
    for (const p of players) p.place();
    sync.setRate(2);
    tick();
    tick();
    expect(sync.leader).toBe("cam0");
    players[1].rate = 2.3; // it was catching up
    for (let n = 0; n < 6; n++) tick();
    expect(sync.states.get("cam0")).toBe("gap");
    expect(sync.leader).toBe("cam1");
    expect(players[1].rate).toBe(2);
  });

  it("skips a gap every camera has", () => {
    const { start, tick, players, sync } = grid(
      [
        [0, 10],
        [60, 100],
      ],
      [
        [0, 10],
        [60, 100],
      ],
    );
    start(9);
    for (const p of players) p.place();
    tick();
    for (let n = 0; n < 12; n++) tick();
    expect(sync.clock).toBeGreaterThanOrEqual(T0 + 60 * S);
    expect(sync.clock).toBeLessThan(T0 + 61 * S);
  });

  it("stops every video when stopped", () => {
    const { start, players, sync } = grid([[0, 100]], [[0, 100]]);
    start(10);
    sync.stop();
    expect(sync.clock).toBeNull();
    expect(players.map((p) => p.playing)).toEqual([false, false]);
    expect(sync.tick(1)).toBe(false);
  });
});
