// Several cameras played at one wall-clock instant. One shared clock: read from a "leader" video
// that plays, or run on by itself where none does. Every other video follows it (a little faster
// or slower for a little drift, a jump for more, its own playlist where its footage goes on in
// another one), and every video is held while one that has footage at the instant still loads,
// so they start together again. A camera without footage at the instant is paused: its tile says so.
// Kept free of the DOM, so its rules are unit-tested with stand-in players.
import type { Span } from "./model";
import { FOLLOW_TOLERANCE, type FollowStep, type FollowTolerance } from "./playback";

/** The grid shows at most this many cameras. */
export const MAX_GRID_CAMERAS = 9;
/**
 * How closely a follower keeps to the shared clock: the 0.2 s between any two videos.
 * In step within 40 ms of the leader; 40–160 ms caught up by running 15 % faster or slower
 * (about a second for the worst); further, a jump.
 */
export const GRID_TOLERANCE: FollowTolerance = { ...FOLLOW_TOLERANCE, inStepMs: 40, catchUpMs: 160, catchUpRate: 0.15 };
/**
 * While every video waits anyway (one loads or stalled, and the others ran on a little before
 * they were held), any drift past in step is a jump: they go on together, in step.
 */
export const HELD_TOLERANCE: FollowTolerance = { ...GRID_TOLERANCE, catchUpMs: GRID_TOLERANCE.inStepMs };
/** A video still loading holds the others this long at most: one slow camera does not stop them all. */
export const HOLD_MS = 4_000;

/** What the sync needs of one video's playback (the `PlaybackController`; a stand-in in unit tests). */
export interface SyncPlayer {
  readonly playing: boolean;
  readonly ready: boolean;
  readonly paused: boolean;
  readonly error: string;
  wallClock(): number | null;
  playFrom(t: number, autoplay?: boolean): Promise<void>;
  follow(t: number, tolerance?: FollowTolerance): FollowStep;
  setRate(rate: number): void;
  pause(): void;
  resume(): void;
  stop(): void;
}

/** One camera of the grid. */
export interface SyncTile {
  readonly id: string;
  readonly player: SyncPlayer;
  /** The camera's footage, in order. */
  spans(): Span[];
  /** Whether it records now: after its last span, footage is in the file being written. */
  recordingNow(): boolean;
}

/** What a tile shows: no footage at the instant, its video loading, or playing in step. */
export type TileState = "gap" | "loading" | "playing";

/** Whether a camera has footage at instant t (`now`: the file being written reaches it). */
export function hasFootage(spans: readonly Span[], t: number, recordingNow = false, now = Date.now()): boolean {
  if (spans.some((span) => t >= span.start && t <= span.end)) return true;
  const last = spans.at(-1);
  return recordingNow && last !== undefined && t >= last.end && t <= now;
}

/** The first instant at or after t where any of these cameras has footage; null when none has. */
export function nextFootage(tiles: readonly SyncTile[], t: number): number | null {
  let best: number | null = null;
  for (const tile of tiles) {
    const span = tile.spans().find((s) => s.end >= t);
    if (!span) continue;
    const at = Math.max(span.start, t);
    if (best === null || at < best) best = at;
  }
  return best;
}

/** The largest difference between the instants (ms); 0 for fewer than two. */
export function spread(instants: readonly (number | null)[]): number {
  const known = instants.filter((t): t is number => t !== null);
  return known.length < 2 ? 0 : Math.max(...known) - Math.min(...known);
}

export class GridSync {
  /** The shared wall-clock instant, epoch ms; null when nothing plays. */
  clock: number | null = null;
  rate = 1;
  /** The camera whose video the clock is read from. */
  leader: string | null = null;
  /** Every video waits for one that loads. */
  holding = false;
  readonly states = new Map<string, TileState>();

  private lastTick = 0;
  private readonly waitingSince = new Map<string, number>();

  constructor(
    private readonly tiles: () => readonly SyncTile[],
    /** Now on the server's clock, epoch ms: the clock never runs past it. */
    private readonly now: () => number,
  ) {}

  /** Play every camera from instant t; `at` is the caller's monotonic time (performance.now()). */
  start(t: number, at: number): void {
    this.clock = t;
    this.lastTick = at;
    this.leader = null;
    this.holding = true;
    this.waitingSince.clear();
    this.states.clear();
    for (const tile of this.tiles()) {
      if (this.covers(tile, t)) {
        void tile.player.playFrom(t, false);
        this.states.set(tile.id, "loading");
      } else {
        tile.player.stop();
        this.states.set(tile.id, "gap");
      }
    }
  }

  stop(): void {
    this.clock = null;
    this.leader = null;
    this.holding = false;
    this.states.clear();
    for (const tile of this.tiles()) tile.player.stop();
  }

  setRate(rate: number): void {
    this.rate = rate;
    for (const tile of this.tiles()) tile.player.setRate(rate);
  }

  /** Each tile's wall-clock instant on screen, by camera (null: no footage there, or not placed). */
  instants(): Record<string, number | null> {
    return Object.fromEntries(
      this.tiles().map((tile) => [tile.id, this.states.get(tile.id) === "gap" ? null : tile.player.wallClock()]),
    );
  }

  /**
   * Move the shared clock on and keep every video at it. Called often (every 50 ms) while
   * playing, with the caller's monotonic time; true when what the tiles show changed.
   */
  tick(at: number): boolean {
    const last = this.clock;
    if (last === null) return false;
    const tiles = this.tiles();
    const elapsed = Math.max(0, at - this.lastTick);
    this.lastTick = at;
    const expected = this.holding ? last : last + elapsed * this.rate;
    let leader = this.pickLeader(tiles, last);
    const led = leader?.player.wallClock() ?? null;
    let clock = expected;
    if (led !== null && led >= expected - GRID_TOLERANCE.catchUpMs) {
      clock = led;
    } else if (led !== null) {
      // The leader's footage went back in time (its next file is stamped as starting before
      // the last one ended): the shared clock does not; the leader follows it like the others.
      leader = null;
      this.leader = null;
    }
    clock = Math.min(clock, this.now());
    if (!tiles.some((tile) => this.covers(tile, clock))) clock = nextFootage(tiles, clock) ?? clock; // a gap for all: skip it

    let changed = false;
    let waiting = false;
    for (const tile of tiles) {
      const state = this.place(tile, clock, tile === leader);
      if (state === "loading") {
        const since = this.waitingSince.get(tile.id) ?? at;
        this.waitingSince.set(tile.id, since);
        if (at - since < HOLD_MS && !tile.player.error) waiting = true;
      } else {
        this.waitingSince.delete(tile.id);
      }
      if (this.states.get(tile.id) !== state) {
        this.states.set(tile.id, state);
        changed = true;
      }
    }
    // Hold everyone while a video with footage here loads (a stalled one too, or it runs on
    // alone once its data comes); then start them together.
    for (const tile of tiles) {
      const state = this.states.get(tile.id);
      if (waiting && state !== "gap" && !tile.player.paused) tile.player.pause();
      else if (!waiting && state === "playing" && tile.player.paused) tile.player.resume();
    }
    if (waiting !== this.holding) changed = true;
    this.holding = waiting;
    this.clock = clock;
    return changed;
  }

  /** Bring one tile to the clock; what it shows now. */
  private place(tile: SyncTile, clock: number, leads: boolean): TileState {
    const player = tile.player;
    if (!this.covers(tile, clock)) {
      if (player.playing && !player.paused) player.pause();
      return "gap";
    }
    if (!player.playing) {
      void player.playFrom(clock, false);
      return "loading";
    }
    if (!player.ready || player.wallClock() === null) return "loading";
    if (leads) return "playing";
    const step = player.follow(clock, this.holding ? HELD_TOLERANCE : GRID_TOLERANCE);
    return step === "seek" || step === "load" || step === "waiting" ? "loading" : "playing";
  }

  /** The leader stays while it plays footage; otherwise the first tile that does. */
  private pickLeader(tiles: readonly SyncTile[], clock: number): SyncTile | null {
    const fit = (tile: SyncTile) =>
      this.states.get(tile.id) === "playing" &&
      tile.player.ready &&
      tile.player.wallClock() !== null &&
      this.covers(tile, clock);
    const current = tiles.find((tile) => tile.id === this.leader);
    if (current && fit(current)) return current;
    const next = tiles.find(fit) ?? null;
    this.leader = next?.id ?? null;
    next?.player.setRate(this.rate); // a follower that was catching up leads at the chosen rate
    return next;
  }

  private covers(tile: SyncTile, t: number): boolean {
    return hasFootage(tile.spans(), t, tile.recordingNow(), this.now());
  }
}
