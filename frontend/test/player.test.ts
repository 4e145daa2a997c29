import { describe, expect, it } from "vitest";
import { instantAt, positionOf } from "../src/player";

// Three 10 s segments, a real gap after the second (a discontinuity): media time runs on, wall time jumps.
const base = Date.parse("2026-07-01T10:00:00Z");
const fragments = [
  { start: 0, duration: 10, programDateTime: base },
  { start: 10, duration: 10, programDateTime: base + 10_000 },
  { start: 20, duration: 10, programDateTime: base + 60_000 },
];

describe("program date-time mapping", () => {
  it("finds the media position of a wall-clock instant", () => {
    expect(positionOf(fragments, base + 12_500)).toBe(12.5);
    expect(positionOf(fragments, base + 65_000)).toBe(25);
  });

  it("clamps an instant in a gap to the end of the footage before it", () => {
    expect(positionOf(fragments, base + 40_000)).toBe(20);
    expect(positionOf(fragments, base - 5_000)).toBe(0);
  });

  it("reads the wall-clock instant at a media position", () => {
    expect(instantAt(fragments, 15)).toBe(base + 15_000);
    expect(instantAt(fragments, 21)).toBe(base + 61_000);
    expect(instantAt([], 3)).toBeNull();
  });
});
