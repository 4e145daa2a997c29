// One video's playback of a camera's recordings, by wall-clock instant: which playlist to ask for
// (a growing live one near now, hour-long chunks in the past), the player, its rate, and the
// instant on screen. A camera's panel has one; several of them, kept in step by `follow`, play
// several cameras side by side.
import { type MediaPlayer, type PlayerFactory, makePlayer } from "./player";
import { HOUR } from "./time";
import type { PlaylistAnswer } from "./types";
import { errorText } from "./ui";

/** Closer to now than this, playback asks for the live (growing) playlist and runs into the present. */
export const LIVE_REACH_MS = HOUR;
/** A past playlist covers this much; at its end playback continues with the next one. */
export const VOD_CHUNK_MS = HOUR;

/** Asks Home Assistant for a signed playlist from `from` to `end` (null: live, into the present). */
export type PlaylistSource = (from: number, end: number | null) => Promise<PlaylistAnswer>;

export interface PlaybackOptions {
  playlist: PlaylistSource;
  /** Now on the server's clock, epoch ms. */
  now: () => number;
  makePlayer?: PlayerFactory;
}

/** Closer than this to the shared clock, a follower plays at its rate. */
export const IN_STEP_MS = 150;
/** Up to this far off, a follower catches up by running CATCH_UP_RATE faster or slower; further, it jumps. */
export const CATCH_UP_MS = 2_000;
const CATCH_UP_RATE = 0.1;

/** How closely `follow` keeps in step: a caller that needs it tighter (the grid) says so. */
export interface FollowTolerance {
  /** Closer than this, play at the chosen rate. */
  inStepMs: number;
  /** Up to this far off, run `catchUpRate` faster or slower; further, jump. */
  catchUpMs: number;
  catchUpRate: number;
}

export const FOLLOW_TOLERANCE: FollowTolerance = { inStepMs: IN_STEP_MS, catchUpMs: CATCH_UP_MS, catchUpRate: CATCH_UP_RATE };

/** What `follow` did to keep in step. */
export type FollowStep = "waiting" | "in-step" | "catching-up" | "seek" | "load";

/** What a playlist was asked for: from an instant to an end (null: live). */
export interface Chunk {
  start: number;
  end: number | null;
}

/**
 * Fires "change" whenever what it shows changes (playing, playhead, rate, error), and
 * "chunk-end" (a CustomEvent whose detail is the chunk's end) when a past chunk ran out,
 * so its owner decides where to go on.
 */
export class PlaybackController extends EventTarget {
  playing = false;
  /** The wall-clock instant on screen (or asked for, while it loads), epoch ms. */
  playhead: number | null = null;
  rate = 1;
  error = "";
  /** The playlist being played; null when stopped. */
  chunk: Chunk | null = null;

  private video: HTMLVideoElement | null = null;
  private player: MediaPlayer | null = null;
  /** Each playFrom and stop counts one up, so a late playlist answer for an older request is dropped. */
  private generation = 0;
  private readonly listeners: [string, () => void][] = [
    ["timeupdate", () => this.onTimeupdate()],
    ["ended", () => this.onEnded()],
  ];

  constructor(private readonly options: PlaybackOptions) {
    super();
  }

  /** Play into this video element (the one the owner renders). */
  attach(video: HTMLVideoElement): void {
    if (video === this.video) return;
    this.detach();
    this.video = video;
    for (const [type, listener] of this.listeners) video.addEventListener(type, listener);
  }

  private detach(): void {
    this.stop();
    for (const [type, listener] of this.listeners) this.video?.removeEventListener(type, listener);
    this.video = null;
    this.player = null;
  }

  /**
   * Play from wall-clock instant `from`. With `autoplay` false the media is only placed there
   * (`ready` tells when), for a caller that starts several videos together.
   */
  async playFrom(from: number, autoplay = true): Promise<void> {
    const generation = ++this.generation;
    const now = this.options.now();
    const live = now - from < LIVE_REACH_MS;
    const end = live ? null : Math.min(from + VOD_CHUNK_MS, now);
    this.error = "";
    this.playing = true;
    this.playhead = from;
    this.changed();
    try {
      const answer = await this.options.playlist(from, end);
      if (generation !== this.generation || !this.video) return;
      this.chunk = { start: from, end };
      this.player ??= (this.options.makePlayer ?? makePlayer)(this.video, (message) => {
        this.error = message;
        this.changed();
      });
      this.player.play(answer.url, from, this.rate, autoplay);
    } catch (err) {
      if (generation !== this.generation) return;
      this.error = errorText(err);
      this.changed();
    }
  }

  /**
   * Go on playing from wall-clock instant t: a seek when the loaded playlist holds it (no reload,
   * no black frame), a new playlist otherwise.
   */
  jumpTo(t: number): void {
    if (this.playing && this.covers(t) && this.player?.seekTo(t)) {
      this.playhead = t;
      this.changed();
      return;
    }
    void this.playFrom(t, !this.paused);
  }

  /** Stop playing (the owner shows live again). */
  stop(): void {
    this.generation += 1;
    this.player?.stop();
    const was = this.playing || this.playhead !== null;
    this.playing = false;
    this.playhead = null;
    this.chunk = null;
    if (was) this.changed();
  }

  setRate(rate: number): void {
    this.rate = rate;
    this.player?.setRate(rate);
    this.changed();
  }

  /** The wall-clock instant of the frame on screen, epoch ms; null while nothing is placed. */
  wallClock(): number | null {
    return this.playing ? (this.player?.wallClock() ?? null) : null;
  }

  /** The media sits where it was asked to and can play on (see `playFrom`'s `autoplay`). */
  get ready(): boolean {
    return this.playing && (this.player?.ready ?? false);
  }

  pause(): void {
    this.player?.pause();
  }

  resume(): void {
    this.player?.resume();
  }

  /**
   * Keep in step with wall-clock instant `t`, the clock several videos share: a little drift is
   * caught up by running a little faster or slower than the chosen rate (no jump on screen);
   * more is sought to when the loaded playlist holds `t`, and loaded afresh otherwise.
   */
  follow(t: number, tolerance: FollowTolerance = FOLLOW_TOLERANCE): FollowStep {
    const clock = this.wallClock();
    if (!this.playing || clock === null) return "waiting";
    const drift = clock - t;
    if (Math.abs(drift) <= tolerance.inStepMs) {
      this.player?.setRate(this.rate);
      return "in-step";
    }
    if (Math.abs(drift) <= tolerance.catchUpMs) {
      const catchUp = tolerance.catchUpRate;
      this.player?.setRate(this.rate * (drift > 0 ? 1 - catchUp : 1 + catchUp));
      return "catching-up";
    }
    if (this.covers(t) && this.player?.seekTo(t)) {
      this.player.setRate(this.rate);
      this.playhead = t;
      this.changed();
      return "seek";
    }
    void this.playFrom(t, !this.paused);
    return "load";
  }

  /** Whether the loaded playlist holds wall-clock instant t. */
  private covers(t: number): boolean {
    const chunk = this.chunk;
    const reach = this.player?.reach ?? null;
    if (!chunk || t < chunk.start - 1000) return false;
    return chunk.end === null ? reach === null || t <= reach + 5000 : t < chunk.end;
  }

  /** Whether the video stands still (paused, or nothing attached). */
  get paused(): boolean {
    return this.video?.paused ?? true;
  }

  private onTimeupdate(): void {
    const clock = this.wallClock();
    if (clock !== null && clock !== this.playhead) {
      this.playhead = clock;
      this.changed();
    }
  }

  private onEnded(): void {
    // A past chunk ran out: the owner goes on with the next one, as a recorder would. (A live
    // playlist grows; it ends only when the camera stopped recording.)
    const end = this.chunk?.end ?? null;
    if (end !== null) this.dispatchEvent(new CustomEvent<number>("chunk-end", { detail: end }));
  }

  private changed(): void {
    this.dispatchEvent(new Event("change"));
  }
}
