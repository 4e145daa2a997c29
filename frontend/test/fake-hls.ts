// A stand-in for hls.js (`vi.mock("hls.js/light", ...)`): it records what the player asks of it,
// and the test plays hls.js's part (the playlist loaded, a fatal error) through it.
import type { Fragment } from "../src/player";

type Handler = (event: string, data: unknown) => void;

export class FakeHls {
  static readonly Events = { LEVEL_LOADED: "hlsLevelLoaded", ERROR: "hlsError" };
  /** Whether the browser has Media Source Extensions (false: its own HLS, or none). */
  static supported = true;
  /** Every instance made, newest last. */
  static made: FakeHls[] = [];

  static isSupported(): boolean {
    return FakeHls.supported;
  }

  static reset(): void {
    FakeHls.supported = true;
    FakeHls.made = [];
  }

  source = "";
  media: HTMLVideoElement | null = null;
  /** Where it was told to start loading (seconds), null before. */
  loadingFrom: number | null = null;
  destroyed = false;
  playingDate: Date | null = null;
  private readonly handlers = new Map<string, Handler[]>();

  constructor(readonly config: Record<string, unknown>) {
    FakeHls.made.push(this);
  }

  on(event: string, handler: Handler): void {
    this.handlers.set(event, [...(this.handlers.get(event) ?? []), handler]);
  }

  loadSource(url: string): void {
    this.source = url;
  }

  attachMedia(video: HTMLVideoElement): void {
    this.media = video;
  }

  startLoad(position: number): void {
    this.loadingFrom = position;
  }

  destroy(): void {
    this.destroyed = true;
  }

  /** hls.js read the playlist: these are its fragments. */
  levelLoaded(fragments: Fragment[]): void {
    this.emit(FakeHls.Events.LEVEL_LOADED, { details: { fragments } });
  }

  error(data: { fatal: boolean; type: string; details: string }): void {
    this.emit(FakeHls.Events.ERROR, data);
  }

  private emit(event: string, data: unknown): void {
    for (const handler of this.handlers.get(event) ?? []) handler(event, data);
  }
}

/** A playlist's fragments: `count` segments of `seconds` each, the first at wall-clock `start`. */
export function fragmentsFrom(start: number, count: number, seconds = 4): Fragment[] {
  return Array.from({ length: count }, (_, i) => ({
    start: i * seconds,
    duration: seconds,
    programDateTime: start + i * seconds * 1000,
  }));
}

/**
 * Load the newest player's playlist (fragments from `start`) and its media, as hls.js and the
 * browser would: the player then places the video and plays it.
 */
export function loadMedia(start: number, count = 900): FakeHls {
  const hls = FakeHls.made.at(-1);
  if (!hls?.media) throw new Error("no player loaded a playlist");
  hls.levelLoaded(fragmentsFrom(start, count));
  hls.media.dispatchEvent(new Event("loadedmetadata"));
  hls.media.dispatchEvent(new Event("seeked")); // at the keyframe, when the instant is past it
  return hls;
}
