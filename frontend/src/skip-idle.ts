// "Skip idle": while a recording plays, when the playhead has left an active stretch (and a short
// grace after it), go on at the start of the next one, so a day of a quiet camera plays as its
// moments. Pure decisions, kept free of the player so they can be unit-tested; the panel asks on
// each playhead move and jumps where it is told.
import type { Span } from "./model";

/** Idle kept after each stretch before the jump: the end of what happened, and a moment of calm. */
export const IDLE_GRACE_MS = 2_000;
/** A next stretch closer than this (past the grace) is played into, not jumped to. */
const MIN_SKIP_MS = 1_000;

/**
 * Decides when to jump. It jumps only after playback was inside an active stretch: a user who
 * clicked into an idle stretch watches it until the next activity, then skips from there on.
 */
export class SkipIdle {
  enabled = false;
  /** The active stretch the playhead was last inside (null: none since the last jump or start). */
  private leaving: Span | null = null;

  constructor(private readonly graceMs = IDLE_GRACE_MS) {}

  /** Forget where playback was (it stopped, or the user moved it). */
  reset(): void {
    this.leaving = null;
  }

  /**
   * The instant to jump to for playhead `t` over `activity` (ordered stretches), or null to play
   * on: there is no next stretch (play on as without skip idle), or `t` is not yet past the grace.
   */
  next(activity: Span[], t: number): number | null {
    if (!this.enabled) return null;
    const inside = activity.find((span) => span.start <= t && t <= span.end);
    if (inside) {
      this.leaving = inside;
      return null;
    }
    const left = this.leaving;
    if (!left || t < left.end + this.graceMs) return null;
    const next = activity.find((span) => span.start > t);
    if (!next || next.start - t < MIN_SKIP_MS) return null;
    this.leaving = null;
    return next.start;
  }
}
