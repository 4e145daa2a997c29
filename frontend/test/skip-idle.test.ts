import { describe, expect, it } from "vitest";
import { IDLE_GRACE_MS, SkipIdle } from "../src/skip-idle";

const S = 1000;
const ACTIVITY = [
  { start: 100 * S, end: 110 * S },
  { start: 200 * S, end: 205 * S },
  { start: 300 * S, end: 330 * S },
];

function skipping(): SkipIdle {
  const skip = new SkipIdle();
  skip.enabled = true;
  return skip;
}

describe("skip idle", () => {
  it("jumps to the next stretch once the playhead is the grace past a stretch's end", () => {
    const skip = skipping();
    expect(skip.next(ACTIVITY, 105 * S)).toBeNull();
    expect(skip.next(ACTIVITY, 110 * S + IDLE_GRACE_MS - 1)).toBeNull();
    expect(skip.next(ACTIVITY, 110 * S + IDLE_GRACE_MS)).toBe(200 * S);
  });

  it("skips from stretch to stretch, then plays on when none is left", () => {
    const skip = skipping();
    const visited: number[] = [];
    let t = 101 * S;
    while (t < 400 * S) {
      const jump = skip.next(ACTIVITY, t);
      if (jump === null) t += 500;
      else {
        visited.push(jump);
        t = jump;
      }
    }
    expect(visited).toEqual([200 * S, 300 * S]);
  });

  it("does nothing when off", () => {
    const skip = new SkipIdle();
    skip.next(ACTIVITY, 105 * S);
    expect(skip.next(ACTIVITY, 150 * S)).toBeNull();
  });

  it("lets a user who started in idle watch it until the next activity", () => {
    const skip = skipping();
    expect(skip.next(ACTIVITY, 150 * S)).toBeNull();
    expect(skip.next(ACTIVITY, 190 * S)).toBeNull();
    expect(skip.next(ACTIVITY, 201 * S)).toBeNull();
    expect(skip.next(ACTIVITY, 208 * S)).toBe(300 * S);
  });

  it("forgets the stretch it left when reset (the user moved the playhead)", () => {
    const skip = skipping();
    skip.next(ACTIVITY, 105 * S);
    skip.reset();
    expect(skip.next(ACTIVITY, 150 * S)).toBeNull();
  });

  it("plays into a next stretch that is about to start instead of jumping", () => {
    const skip = skipping();
    const close = [
      { start: 100 * S, end: 110 * S },
      { start: 112.5 * S, end: 120 * S },
    ];
    skip.next(close, 109 * S);
    expect(skip.next(close, 112 * S)).toBeNull();
  });
});
